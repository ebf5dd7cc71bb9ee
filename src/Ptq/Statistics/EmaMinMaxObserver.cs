using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Exponential moving average of the per-batch minimum and maximum with bias correction (as Distiller and TF do):
/// biased_b = m·biased_{b−1} + (1−m)·x_b with biased_0 = 0, reported value = biased_B / (1 − m^B).
/// Because biased starts at 0, shard A followed by shard B is biased = m^{B_B}·biased_A + biased_B, so merge is exact
/// up to double rounding; the order matters (A is older than B). Not thread-safe.
/// </summary>
internal sealed class EmaMinMaxObserver
{
    /// <summary>Default momentum (weight of the previous average), as in Distiller and TensorFlow.</summary>
    public const double DefaultMomentum = 0.9;

    private double _biasedMin;
    private double _biasedMax;

    /// <summary>Creates an empty observer.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is not in [0, 1).</exception>
    public EmaMinMaxObserver(string tensorName, double momentum = DefaultMomentum)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "EMA momentum must be in [0, 1).");
        }
        TensorName = tensorName;
        Momentum = momentum;
    }

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Weight m of the previous average.</summary>
    public double Momentum { get; }

    /// <summary>Number of non-empty batches observed.</summary>
    public long Batches { get; private set; }

    /// <summary>Bias-corrected EMA of the per-batch minima; 0 before the first batch.</summary>
    public double EmaMin => Batches == 0 ? 0 : _biasedMin / (1 - Math.Pow(Momentum, Batches));

    /// <summary>Bias-corrected EMA of the per-batch maxima; 0 before the first batch.</summary>
    public double EmaMax => Batches == 0 ? 0 : _biasedMax / (1 - Math.Pow(Momentum, Batches));

    /// <summary>Observes one batch. Empty batches are ignored.</summary>
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

    /// <summary>Appends the batches of <paramref name="other"/> as if they came after this observer's batches.</summary>
    /// <exception cref="ArgumentException">The momenta differ.</exception>
    public void Merge(EmaMinMaxObserver other)
    {
        if (other.Momentum != Momentum)
        {
            throw new ArgumentException($"Cannot merge EMA statistics of '{TensorName}' with momentum {Momentum} and {other.Momentum}.", nameof(other));
        }
        double decay = Math.Pow(Momentum, other.Batches);
        _biasedMin = decay * _biasedMin + other._biasedMin;
        _biasedMax = decay * _biasedMax + other._biasedMax;
        Batches += other.Batches;
    }

    internal void AddBatch(double min, double max)
    {
        _biasedMin = Momentum * _biasedMin + (1 - Momentum) * min;
        _biasedMax = Momentum * _biasedMax + (1 - Momentum) * max;
        Batches++;
    }

    internal static EmaMinMaxObserver FromAverages(string tensorName, double momentum, long batches, double emaMin, double emaMax)
    {
        var o = new EmaMinMaxObserver(tensorName, momentum) { Batches = batches };
        double correction = batches == 0 ? 0 : 1 - Math.Pow(momentum, batches);
        o._biasedMin = emaMin * correction;
        o._biasedMax = emaMax * correction;
        return o;
    }
}
