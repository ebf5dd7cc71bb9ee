using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Range = mean ± n·std (population std), clipped to the observed [Min, Max] (Distiller n_std clipping).
/// Symmetric targets use a = min(max|x|, |mean| + n·std).
/// </summary>
internal sealed class NStdEstimator : IRangeEstimator
{
    /// <summary>Creates the estimator.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not positive.</exception>
    public NStdEstimator(double n = 3)
    {
        if (!(n > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "n must be positive.");
        }
        N = n;
    }

    /// <summary>Number of standard deviations.</summary>
    public double N { get; }

    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.NStd;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Moments;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var m = stats.Moments ?? throw new MissingStatisticsException(stats.Name, Method, "moments (mean, std)");
        double spread = N * stats.StandardDeviation!.Value;
        if (target.Symmetric)
        {
            double a = Math.Min(Math.Max(-stats.Min, stats.Max), Math.Abs(m.Mean) + spread);
            return RangeFinalizer.Finish(stats.Name, Method, -a, a, target);
        }
        return RangeFinalizer.Finish(stats.Name, Method, Math.Max(stats.Min, m.Mean - spread), Math.Min(stats.Max, m.Mean + spread), target);
    }
}
