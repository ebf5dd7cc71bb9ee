using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Turns collected statistics into a clip range for a quantization target. Implementations are stateless and thread-safe.
/// Every result contains 0, is finite and has Max − Min ≥ <see cref="RangeFinalizer.MinimumWidth"/>.
/// </summary>
internal interface IRangeEstimator
{
    /// <summary>The algorithm.</summary>
    CalibrationMethod Method { get; }

    /// <summary>Statistics the calibration pass must collect for this estimator (declared before anything runs).</summary>
    StatisticKinds RequiredStatistics { get; }

    /// <summary>Estimates the range of <paramref name="stats"/> for <paramref name="target"/>.</summary>
    /// <exception cref="MissingStatisticsException">A statistic in <see cref="RequiredStatistics"/> is absent.</exception>
    /// <exception cref="RangeEstimationException">The statistics hold NaN or infinite values.</exception>
    FloatRange Estimate(TensorStats stats, QuantTarget target);
}
