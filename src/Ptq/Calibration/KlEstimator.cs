using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// TensorRT entropy calibration on the histogram of |x| (signed targets) or of max(x, 0) (unsigned targets).
/// For every candidate i from L = <see cref="QuantTarget.MagnitudeLevels"/> (2^(bits−1) signed, 2^bits unsigned) to the last
/// non-empty bin: P = bins [0, i) with the clipped tail added to bin i−1; Q = bins [0, i) merged into L groups of ⌊i/L⌋ bins
/// (the last group takes the remainder) and spread evenly back over the bins where P is non-zero; both are smoothed
/// (ε = 1e-4 moved from non-zero to zero bins, as in MXNet/ORT) and the threshold i·binWidth with the smallest KL(P‖Q) wins.
/// When L ≥ the number of non-empty bins nothing is clipped. Asymmetric targets use [max(Min, −t), min(Max, t)].
/// Cost: O(bins²) per tensor (~1M operations for 2048 bins).
/// </summary>
public sealed class KlEstimator : IRangeEstimator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Kl;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Histogram;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var h = stats.Histogram ?? throw new MissingStatisticsException(stats.Name, Method, "histogram");
        var magnitudes = HistogramMath.Magnitudes(h, target);
        int bins = BestBinCount(magnitudes.Counts, target.MagnitudeLevels);
        double t = Math.Min(bins * magnitudes.BinWidth, Math.Max(-stats.Min, stats.Max));
        return RangeFinalizer.Finish(stats.Name, Method, Math.Max(stats.Min, -t), Math.Min(stats.Max, t), target);
    }

    /// <summary>Number of leading bins kept (threshold = result × bin width) minimizing KL(P‖Q).</summary>
    internal static int BestBinCount(ReadOnlySpan<long> counts, int levels)
    {
        int used = counts.Length;
        while (used > 0 && counts[used - 1] == 0)
        {
            used--;
        }
        if (levels >= used)
        {
            return used;
        }
        var p = new double[used];
        var q = new double[used];
        double tail = 0;
        for (int k = levels; k < used; k++)
        {
            tail += counts[k];
        }
        int best = used;
        double bestDivergence = double.PositiveInfinity;
        for (int i = levels; i <= used; i++)
        {
            // tail = Σ counts[i..used)
            for (int k = 0; k < i; k++)
            {
                p[k] = counts[k];
            }
            p[i - 1] += tail;
            Quantize(counts[..i], p.AsSpan(0, i), q.AsSpan(0, i), levels);
            double d = Divergence(p.AsSpan(0, i), q.AsSpan(0, i));
            if (d < bestDivergence)
            {
                bestDivergence = d;
                best = i;
            }
            if (i < used)
            {
                tail -= counts[i];
            }
        }
        return best;
    }

    /// <summary>Q: <paramref name="sliced"/> merged into <paramref name="levels"/> groups, expanded over the non-zero bins of P.</summary>
    private static void Quantize(ReadOnlySpan<long> sliced, ReadOnlySpan<double> p, Span<double> q, int levels)
    {
        int i = sliced.Length;
        int merged = i / levels;
        for (int j = 0; j < levels; j++)
        {
            int start = j * merged;
            int stop = j == levels - 1 ? i : start + merged;
            double sum = 0;
            int nonZero = 0;
            for (int k = start; k < stop; k++)
            {
                sum += sliced[k];
                nonZero += p[k] != 0 ? 1 : 0;
            }
            double value = nonZero == 0 ? 0 : sum / nonZero;
            for (int k = start; k < stop; k++)
            {
                q[k] = p[k] != 0 ? value : 0;
            }
        }
    }

    /// <summary>KL(P‖Q) after ε-smoothing both and normalizing; +∞ when either is all zero.</summary>
    internal static double Divergence(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        const double eps = 1e-4;
        var (pSum, pZeros, pNonZeros) = Census(p);
        var (qSum, qZeros, qNonZeros) = Census(q);
        if (pNonZeros == 0 || qNonZeros == 0)
        {
            return double.PositiveInfinity;
        }
        double pTake = eps * pZeros / pNonZeros, qTake = eps * qZeros / qNonZeros;
        // Smoothing moves mass, it does not add any: the sums stay pSum and qSum.
        double d = 0;
        for (int k = 0; k < p.Length; k++)
        {
            double pk = (p[k] == 0 ? eps : p[k] - pTake) / pSum;
            double qk = (q[k] == 0 ? eps : q[k] - qTake) / qSum;
            qk = qk > 0 ? qk : eps / qSum; // a tiny count minus qTake can dip below 0 when almost every bin is empty
            if (pk > 0)
            {
                d += pk * Math.Log(pk / qk);
            }
        }
        return d;
    }

    private static (double Sum, int Zeros, int NonZeros) Census(ReadOnlySpan<double> x)
    {
        double sum = 0;
        int zeros = 0;
        foreach (double v in x)
        {
            sum += v;
            zeros += v == 0 ? 1 : 0;
        }
        return (sum, zeros, x.Length - zeros);
    }
}
