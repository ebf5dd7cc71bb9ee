using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>Range = [mean of per-batch minima, mean of per-batch maxima] (Distiller "avg").</summary>
internal sealed class AverageEstimator : IRangeEstimator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Avg;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Average;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var avg = stats.Average ?? throw new MissingStatisticsException(stats.Name, Method, "average of per-batch min/max");
        return RangeFinalizer.Finish(stats.Name, Method, avg.Min, avg.Max, target);
    }
}
