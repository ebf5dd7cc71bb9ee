using System.Numerics.Tensors;
using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Running minimum and maximum of every value of one tensor. O(1) memory; merge is exact.
/// Not thread-safe; use one observer per tensor per thread.
/// </summary>
internal sealed class MinMaxObserver
{
    /// <summary>Creates an empty observer for <paramref name="tensorName"/>.</summary>
    public MinMaxObserver(string tensorName) => TensorName = tensorName;

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Number of values observed.</summary>
    public long Count { get; private set; }

    /// <summary>Smallest value seen; 0 before the first value.</summary>
    public double Min { get; private set; }

    /// <summary>Largest value seen; 0 before the first value.</summary>
    public double Max { get; private set; }

    /// <summary>Observes one batch (TensorPrimitives.Min/Max). Empty batches are ignored.</summary>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    public void Observe(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var (min, max) = FiniteGuard.FiniteRange(values, TensorName);
        Add(min, max, values.Length);
    }

    /// <summary>Combines the extremes of <paramref name="other"/> into this observer.</summary>
    public void Merge(MinMaxObserver other)
    {
        if (other.Count > 0)
        {
            Add(other.Min, other.Max, other.Count);
        }
    }

    /// <summary>Adds a batch summary (finite min/max of <paramref name="count"/> values).</summary>
    internal void Add(double min, double max, long count)
    {
        Min = Count == 0 ? min : Math.Min(Min, min);
        Max = Count == 0 ? max : Math.Max(Max, max);
        Count += count;
    }
}
