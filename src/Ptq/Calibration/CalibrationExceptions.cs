namespace Ptq.Calibration;

/// <summary>Thrown when an estimator needs a statistic that was not collected for a tensor.</summary>
internal sealed class MissingStatisticsException : PtqException
{
    /// <summary>Creates the exception.</summary>
    public MissingStatisticsException(string tensorName, CalibrationMethod method, string statistic)
        : base($"Calibration method {method} needs the {statistic} of tensor '{tensorName}', which was not collected. " +
               $"Recalibrate with statistics for {method}, or choose a method the stats file supports (Distiller files have no histograms).")
    {
        TensorName = tensorName;
    }

    /// <summary>Tensor at fault.</summary>
    public string TensorName { get; }
}

/// <summary>Thrown when statistics are not finite, so no NaN range is ever produced.</summary>
internal sealed class RangeEstimationException : PtqException
{
    /// <summary>Creates the exception.</summary>
    public RangeEstimationException(string tensorName, CalibrationMethod method, double min, double max)
        : base($"Calibration method {method} produced a non-finite range [{min}, {max}] for tensor '{tensorName}'; its statistics are corrupt. Recalibrate this tensor.")
    {
        TensorName = tensorName;
    }

    /// <summary>Tensor at fault.</summary>
    public string TensorName { get; }
}
