using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Mean over batches of the per-batch minimum and maximum (Distiller's "avg" statistics): AvgMin = Σ min_b / B.
/// Stores two double sums and a batch count, so merge is a sum (equal to one pass up to double rounding, ~1e-15).
/// Not thread-safe; use one observer per tensor per thread.
/// </summary>
internal sealed class AverageMinMaxObserver
{
    private double _sumMin;
    private double _sumMax;

    /// <summary>Creates an empty observer for <paramref name="tensorName"/>.</summary>
    public AverageMinMaxObserver(string tensorName) => TensorName = tensorName;

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Number of non-empty batches observed.</summary>
    public long Batches { get; private set; }

    /// <summary>Mean of the per-batch minima; 0 before the first batch.</summary>
    public double AverageMin => Batches == 0 ? 0 : _sumMin / Batches;

    /// <summary>Mean of the per-batch maxima; 0 before the first batch.</summary>
    public double AverageMax => Batches == 0 ? 0 : _sumMax / Batches;

    /// <summary>Observes one batch. Empty batches are ignored (they have no minimum).</summary>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    public void Observe(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var (min, max) = FiniteGuard.FiniteRange(values, TensorName);
        AddBatch(min, max);
    }

    /// <summary>Adds the batches of <paramref name="other"/>.</summary>
    public void Merge(AverageMinMaxObserver other)
    {
        _sumMin += other._sumMin;
        _sumMax += other._sumMax;
        Batches += other.Batches;
    }

    internal void AddBatch(double min, double max)
    {
        _sumMin += min;
        _sumMax += max;
        Batches++;
    }

    internal static AverageMinMaxObserver FromAverages(string tensorName, long batches, double avgMin, double avgMax)
    {
        var o = new AverageMinMaxObserver(tensorName) { Batches = batches };
        o._sumMin = avgMin * batches;
        o._sumMax = avgMax * batches;
        return o;
    }
}
