namespace Ptq.Calibration;

/// <summary>Parameters of the configurable estimators. Immutable.</summary>
internal sealed record RangeEstimatorOptions
{
    /// <summary>Percentile for <see cref="CalibrationMethod.Percentile"/>, in (50, 100]. Default 99.99.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Number of standard deviations for <see cref="CalibrationMethod.NStd"/>. Default 3.</summary>
    public double NStd { get; init; } = 3;
}

/// <summary>Creates the estimator for a <see cref="CalibrationMethod"/>.</summary>
internal static class RangeEstimators
{
    /// <summary>Returns a new estimator for <paramref name="method"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown method or invalid option values.</exception>
    public static IRangeEstimator Create(CalibrationMethod method, RangeEstimatorOptions? options = null)
    {
        options ??= new RangeEstimatorOptions();
        return method switch
        {
            CalibrationMethod.MinMax => new MinMaxEstimator(),
            CalibrationMethod.Avg => new AverageEstimator(),
            CalibrationMethod.Ema => new EmaEstimator(),
            CalibrationMethod.Percentile => new PercentileEstimator(options.Percentile),
            CalibrationMethod.Kl => new KlEstimator(),
            CalibrationMethod.Mse => new MseEstimator(),
            CalibrationMethod.AciqGauss => new AciqGaussEstimator(),
            CalibrationMethod.AciqLaplace => new AciqLaplaceEstimator(),
            CalibrationMethod.NStd => new NStdEstimator(options.NStd),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown calibration method."),
        };
    }
}
