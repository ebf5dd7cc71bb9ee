namespace Ptq.Quantization;

/// <summary>How the quantizer chooses weight ranges.</summary>
internal enum WeightRangeMethod
{
    /// <summary>The observed min/max of each channel (round to nearest).</summary>
    MinMax,
    /// <summary>The clip of each channel minimizing the squared quantization error (<see cref="MseWeightQuantizer"/>).</summary>
    Mse,
    /// <summary>Least-squares scales alternating with rounding (TNN's ADMM, <see cref="AdmmWeightQuantizer"/>).</summary>
    Admm,
    /// <summary>
    /// Min-max ranges, then GPTQ reconstruction of the codes from calibration data (<see cref="Reconstruction.GptqKernel"/>,
    /// run after the QDQ rewrite by the pipeline's weight reconstruction stage).
    /// </summary>
    Gptq,
    /// <summary>Min-max ranges, then AdaRound's learned rounding from calibration data (<see cref="Reconstruction.AdaRoundKernel"/>).</summary>
    AdaRound,
}
