using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Counts exact zeros (sparsity = Zeros / Count) and rejects non-finite values. O(1) memory; merge is exact. Not thread-safe.
/// </summary>
internal sealed class ZeroCountObserver
{
    /// <summary>Creates an empty observer for <paramref name="tensorName"/>.</summary>
    public ZeroCountObserver(string tensorName) => TensorName = tensorName;

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Number of values observed.</summary>
    public long Count { get; private set; }

    /// <summary>Number of values equal to +0 or −0.</summary>
    public long Zeros { get; private set; }

    /// <summary>Zeros / Count; 0 before the first value.</summary>
    public double Sparsity => Count == 0 ? 0 : (double)Zeros / Count;

    /// <summary>Observes one batch.</summary>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    public void Observe(ReadOnlySpan<float> values)
    {
        var (zeros, finite) = MomentKernels.CountZeros(values);
        if (!finite)
        {
            FiniteGuard.Throw(values, TensorName);
        }
        Zeros += zeros;
        Count += values.Length;
    }

    /// <summary>Adds the counts of <paramref name="other"/>.</summary>
    public void Merge(ZeroCountObserver other)
    {
        Zeros += other.Zeros;
        Count += other.Count;
    }

    internal static ZeroCountObserver FromCounts(string tensorName, long zeros, long count) =>
        new(tensorName) { Zeros = zeros, Count = count };
}
