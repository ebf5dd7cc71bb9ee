using System.Numerics.Tensors;

namespace Ptq.Evaluation;

/// <summary>
/// The sums every reference-vs-actual metric is built from, accumulated in double: Σ r·x, Σ r², Σ x², Σ (r−x)², Σ |r−x|,
/// max |r−x|, and the element count. NaN in either input propagates into the sums.
/// </summary>
internal readonly record struct ErrorSums(double Dot, double ReferenceEnergy, double ActualEnergy, double ErrorEnergy, double AbsErrorSum, double MaxAbsError, long Count)
{
    // Chunk size of the float→double staging buffers: three of them (24 KiB) live on the stack.
    private const int Chunk = 1024;

    /// <summary>One pass over both spans: each chunk is widened to double, then reduced with <see cref="TensorPrimitives"/>.</summary>
    /// <exception cref="ArgumentException">When the spans differ in length.</exception>
    public static ErrorSums Of(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        MetricGuard.SameLength(reference, actual);
        Span<double> r = stackalloc double[Chunk];
        Span<double> x = stackalloc double[Chunk];
        Span<double> d = stackalloc double[Chunk];
        double dot = 0, rr = 0, xx = 0, dd = 0, abs = 0, max = 0;
        for (int start = 0; start < reference.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, reference.Length - start);
            Span<double> rc = r[..n], xc = x[..n], dc = d[..n];
            TensorPrimitives.ConvertTruncating<float, double>(reference.Slice(start, n), rc);
            TensorPrimitives.ConvertTruncating<float, double>(actual.Slice(start, n), xc);
            TensorPrimitives.Subtract(rc, xc, dc);
            dot += TensorPrimitives.Dot<double>(rc, xc);
            rr += TensorPrimitives.SumOfSquares<double>(rc);
            xx += TensorPrimitives.SumOfSquares<double>(xc);
            dd += TensorPrimitives.SumOfSquares<double>(dc);
            abs += TensorPrimitives.SumOfMagnitudes<double>(dc);
            // Math.Max propagates NaN, as the sums do.
            max = Math.Max(max, Math.Abs(TensorPrimitives.MaxMagnitude<double>(dc)));
        }
        return new ErrorSums(dot, rr, xx, dd, abs, max, reference.Length);
    }
}

/// <summary>Argument checks shared by the metrics.</summary>
internal static class MetricGuard
{
    public static void SameLength(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        if (reference.Length != actual.Length)
            throw new ArgumentException($"The reference has {reference.Length} values but the compared tensor has {actual.Length}; metrics compare tensors of equal size.", nameof(actual));
    }
}
