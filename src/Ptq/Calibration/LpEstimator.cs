using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Clip minimizing the expected L_p quantization error over the histogram (LAPQ's per-layer starting point; p = 2 is
/// <see cref="MseEstimator"/>'s model): a bin centre c with count n outside the range costs n·|c − clamp(c)|^p, inside it
/// the mean p-th power of uniform rounding noise, n·(Δ/2)^p / (p + 1) with Δ = width / (2^bits − 1). A larger p
/// weighs the clipping of outliers more against rounding, so it keeps a wider range. The candidates and the scan are
/// <see cref="MseEstimator"/>'s.
/// </summary>
internal sealed class LpEstimator : IRangeEstimator
{
    private readonly double _p;

    /// <summary>An estimator for the L_<paramref name="p"/> error, reported as <paramref name="method"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not a finite number ≥ 1.</exception>
    public LpEstimator(double p, CalibrationMethod method = CalibrationMethod.Lapq)
    {
        if (!(p >= 1) || !double.IsFinite(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "The norm's p must be a finite number of at least 1.");
        _p = p;
        Method = method;
    }

    /// <summary>The norm's p.</summary>
    public double P => _p;

    /// <inheritdoc/>
    public CalibrationMethod Method { get; }

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Histogram;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target) =>
        MseEstimator.SearchClip(stats, target, Method, h =>
        {
            var prefix = Prefix(h);
            return (lo, hi, step) => Error(h, prefix, lo, hi, step);
        });

    /// <summary>
    /// Expected L_p error of quantizing the histogram to [lo, hi] with the given step: the counts inside come from prefix
    /// sums, so only the clipped tails are walked (a scan tries about a thousand ranges per tensor).
    /// </summary>
    private double Error(Histogram h, double[] prefix, double lo, double hi, double step)
    {
        var counts = h.Counts;
        double w = h.BinWidth;
        // Bin i (centre h.Min + (i + 0.5)·w) lies inside when lo ≤ centre ≤ hi.
        int first = Math.Clamp((int)Math.Ceiling((lo - h.Min) / w - 0.5), 0, counts.Length);
        int last = Math.Clamp((int)Math.Floor((hi - h.Min) / w - 0.5), -1, counts.Length - 1);
        double inside = last >= first ? prefix[last + 1] - prefix[first] : 0;
        double total = inside * Math.Pow(step / 2, _p) / (_p + 1);
        for (int i = 0; i < first; i++)
        {
            if (counts[i] != 0)
                total += counts[i] * Power(lo - (h.Min + (i + 0.5) * w));
        }
        for (int i = Math.Max(last + 1, first); i < counts.Length; i++)
        {
            if (counts[i] != 0)
                total += counts[i] * Power(h.Min + (i + 0.5) * w - hi);
        }
        return total;
    }

    private static double[] Prefix(Histogram h)
    {
        var sums = new double[h.Counts.Length + 1];
        for (int i = 0; i < h.Counts.Length; i++)
            sums[i + 1] = sums[i] + h.Counts[i];
        return sums;
    }

    // |d|^p for d > 0, without Math.Pow for the integer and half-integer p LAPQ tries.
    private double Power(double d)
    {
        double whole = Math.Floor(_p), fraction = _p - whole;
        double r = 1;
        for (int k = 0; k < (int)whole; k++)
            r *= d;
        return fraction == 0 ? r : fraction == 0.5 ? r * Math.Sqrt(d) : r * Math.Pow(d, fraction);
    }
}
