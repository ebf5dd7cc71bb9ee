using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>Range = observed [Min, Max] (then symmetric/zero handling by <see cref="RangeFinalizer"/>).</summary>
internal sealed class MinMaxEstimator : IRangeEstimator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.MinMax;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.MinMax;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target) =>
        RangeFinalizer.Finish(stats.Name, Method, stats.Min, stats.Max, target);
}
