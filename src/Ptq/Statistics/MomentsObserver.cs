using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Count, mean, M2 = Σ(x−mean)², mean |x| and a Laplace scale estimate for one tensor, all in double.
/// Each batch is reduced in two passes (sum, then centred sums around the batch mean) and folded in with Chan et al.'s
/// parallel update: δ = mean_b − mean, M2 += M2_b + δ²·n·n_b/(n+n_b). The same update merges shards, so merge equals
/// one pass up to double rounding (~1e-15 relative). O(1) memory. Not thread-safe.
/// </summary>
internal sealed class MomentsObserver
{
    private double _absSum;
    private double _absDevSum;

    /// <summary>Creates an empty observer for <paramref name="tensorName"/>.</summary>
    public MomentsObserver(string tensorName) => TensorName = tensorName;

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Number of values observed.</summary>
    public long Count { get; private set; }

    /// <summary>Mean of all values; 0 before the first value.</summary>
    public double Mean { get; private set; }

    /// <summary>Σ(x − Mean)² over all values.</summary>
    public double M2 { get; private set; }

    /// <summary>Population variance M2 / Count; 0 before the first value.</summary>
    public double Variance => Count == 0 ? 0 : M2 / Count;

    /// <summary>Population standard deviation √Variance.</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Mean of |x| over all values.</summary>
    public double AbsMean => Count == 0 ? 0 : _absSum / Count;

    /// <summary>
    /// Element-weighted mean over batches of mean|x − batch mean| — the Laplace scale b used by ACIQ, computed per batch
    /// as Distiller does (the exact global E|x − mean| needs the final mean, which a single streaming pass does not have).
    /// </summary>
    public double MeanAbsDeviation => Count == 0 ? 0 : _absDevSum / Count;

    /// <summary>Observes one batch. Empty batches are ignored.</summary>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    public void Observe(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var (sum, absSum) = MomentKernels.SumAndAbsSum(values);
        if (!double.IsFinite(sum))
        {
            // A double sum of finite floats cannot overflow (|Σ| ≤ 3.4e38·2^31), so this means NaN or ±Inf.
            FiniteGuard.Throw(values, TensorName);
        }
        double mean = sum / values.Length;
        var (m2, absDev) = MomentKernels.CenteredSums(values, mean);
        Combine(values.Length, mean, m2, absSum, absDev);
    }

    /// <summary>Folds the moments of <paramref name="other"/> in (Chan et al. parallel update).</summary>
    public void Merge(MomentsObserver other) =>
        Combine(other.Count, other.Mean, other.M2, other._absSum, other._absDevSum);

    internal static MomentsObserver FromMoments(string tensorName, long count, double mean, double m2, double absMean, double meanAbsDeviation)
    {
        var o = new MomentsObserver(tensorName);
        o.Combine(count, mean, m2, absMean * count, meanAbsDeviation * count);
        return o;
    }

    private void Combine(long n, double mean, double m2, double absSum, double absDevSum)
    {
        if (n == 0)
        {
            return;
        }
        long total = Count + n;
        double delta = mean - Mean;
        double weight = (double)n / total;
        M2 += m2 + delta * delta * Count * weight;
        Mean += delta * weight;
        Count = total;
        _absSum += absSum;
        _absDevSum += absDevSum;
    }
}
