using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>Range = [EMA of per-batch minima, EMA of per-batch maxima].</summary>
internal sealed class EmaEstimator : IRangeEstimator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Ema;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Ema;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var ema = stats.Ema ?? throw new MissingStatisticsException(stats.Name, Method, "EMA of per-batch min/max");
        return RangeFinalizer.Finish(stats.Name, Method, ema.Min, ema.Max, target);
    }
}
