using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Clips at a percentile of the histogram (MindSpore REMOVAL_OUTLIER, ORT Percentile), interpolating linearly inside a bin.
/// Symmetric targets: a = P-th percentile of |x| (signed) or of max(x, 0) (unsigned).
/// Asymmetric targets: [(100−P)-th, P-th] percentile of x. Results never exceed the observed [Min, Max].
/// </summary>
internal sealed class PercentileEstimator : IRangeEstimator
{
    /// <summary>Creates the estimator.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is not in (50, 100].</exception>
    public PercentileEstimator(double percentile = 99.99)
    {
        if (!(percentile > 50 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Percentile must be in (50, 100].");
        }
        Percentile = percentile;
    }

    /// <summary>Percentile P in (50, 100].</summary>
    public double Percentile { get; }

    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Percentile;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Histogram;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var h = stats.Histogram ?? throw new MissingStatisticsException(stats.Name, Method, "histogram");
        double q = Percentile / 100;
        if (target.Symmetric)
        {
            double a = HistogramMath.Quantile(HistogramMath.Magnitudes(h, target), q);
            a = Math.Min(a, Math.Max(-stats.Min, stats.Max));
            return RangeFinalizer.Finish(stats.Name, Method, -a, a, target);
        }
        double lo = Math.Max(HistogramMath.Quantile(h, 1 - q), stats.Min);
        double hi = Math.Min(HistogramMath.Quantile(h, q), stats.Max);
        return RangeFinalizer.Finish(stats.Name, Method, lo, hi, target);
    }
}
