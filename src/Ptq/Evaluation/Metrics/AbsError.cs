namespace Ptq.Evaluation;

/// <summary>Largest absolute difference between two tensors.</summary>
internal static class MaxAbsError
{
    /// <summary><c>max |rᵢ − xᵢ|</c> computed in double; 0 for empty inputs; NaN when either input holds NaN.</summary>
    /// <exception cref="ArgumentException">When the spans differ in length.</exception>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual) => ErrorSums.Of(reference, actual).MaxAbsError;
}

/// <summary>Mean absolute difference between two tensors.</summary>
internal static class MeanAbsError
{
    /// <summary><c>Σ |rᵢ − xᵢ| / n</c> with the sum in double; 0 for empty inputs; NaN when either input holds NaN.</summary>
    /// <exception cref="ArgumentException">When the spans differ in length.</exception>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        ErrorSums s = ErrorSums.Of(reference, actual);
        return s.Count == 0 ? 0 : s.AbsErrorSum / s.Count;
    }
}
