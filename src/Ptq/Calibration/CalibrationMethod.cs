namespace Ptq.Calibration;

/// <summary>Range estimation algorithm for activations (CLI: --method).</summary>
public enum CalibrationMethod
{
    /// <summary>Observed minimum and maximum.</summary>
    MinMax,

    /// <summary>Mean of per-batch minima and maxima (Distiller "avg").</summary>
    Avg,

    /// <summary>Bias-corrected EMA of per-batch minima and maxima.</summary>
    Ema,

    /// <summary>Percentile of the histogram (MindSpore REMOVAL_OUTLIER, ORT Percentile).</summary>
    Percentile,

    /// <summary>TensorRT entropy calibration: threshold minimizing KL(P‖Q).</summary>
    Kl,

    /// <summary>Clip minimizing expected clipping + rounding error over the histogram.</summary>
    Mse,

    /// <summary>ACIQ analytic clip for a Gaussian.</summary>
    AciqGauss,

    /// <summary>ACIQ analytic clip for a Laplace distribution.</summary>
    AciqLaplace,

    /// <summary>mean ± n·std clipped to the observed extremes.</summary>
    NStd,

    /// <summary>
    /// LAPQ (loss-aware post-training quantization, Nahshan et al.): every layer starts from its L_p-optimal clip and
    /// Powell's method then searches the clips of all layers jointly, minimising the loss of the quantized network's
    /// output against float's on a few calibration samples. The estimator alone gives the L_p starting point.
    /// </summary>
    Lapq,
}
