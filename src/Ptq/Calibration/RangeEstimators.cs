namespace Ptq.Calibration;

/// <summary>Parameters of the configurable estimators. Immutable.</summary>
internal sealed record RangeEstimatorOptions
{
    /// <summary>Percentile for <see cref="CalibrationMethod.Percentile"/>, in (50, 100]. Default 99.99.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Number of standard deviations for <see cref="CalibrationMethod.NStd"/>. Default 3.</summary>
    public double NStd { get; init; } = 3;

    /// <summary>
    /// The p of the L_p-optimal clip <see cref="CalibrationMethod.Lapq"/> starts from, ≥ 1; null (default): the search
    /// tries p in <see cref="LapqDefaults.InitNorms"/> and starts from the one whose output loss is least, and the
    /// estimator alone uses <see cref="LapqDefaults.EstimatorNorm"/>.
    /// </summary>
    public double? LpNorm { get; init; }
}

/// <summary>LAPQ's defaults that the estimator and the search share.</summary>
internal static class LapqDefaults
{
    /// <summary>The p values LAPQ's initialisation tries (Nahshan et al. find the best p for 4-bit activations between 2 and 4).</summary>
    public static IReadOnlyList<double> InitNorms { get; } = [2, 2.5, 3, 3.5, 4];

    /// <summary>The p of the estimator on its own (statistics, the first plan), the middle of <see cref="InitNorms"/>.</summary>
    public const double EstimatorNorm = 3;
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
            CalibrationMethod.Lapq => new LpEstimator(options.LpNorm ?? LapqDefaults.EstimatorNorm),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown calibration method."),
        };
    }
}
