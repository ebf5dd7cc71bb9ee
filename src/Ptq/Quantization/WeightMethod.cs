namespace Ptq.Quantization;

/// <summary>How weight ranges and roundings are chosen (<c>--weight-method</c>).</summary>
public enum WeightMethod
{
    /// <summary><c>minmax</c>: the observed range of each channel, round to nearest.</summary>
    MinMax,
    /// <summary><c>mse</c>: the clip of each channel minimizing the squared quantization error (<see cref="MseWeightQuantizer"/>).</summary>
    Mse,
    /// <summary><c>admm</c>: least-squares scales alternating with rounding (TNN's ADMM, <see cref="AdmmWeightQuantizer"/>).</summary>
    Admm,
    /// <summary>
    /// <c>adaround</c>: min-max ranges, then AdaRound's learned rounding on calibration data
    /// (<see cref="Reconstruction.AdaRoundKernel"/>, run after the QDQ rewrite by the weight reconstruction stage).
    /// </summary>
    AdaRound,
    /// <summary>
    /// <c>gptq</c>: min-max ranges, then GPTQ's column-by-column rounding with second-order error compensation on
    /// calibration data (<see cref="Reconstruction.GptqKernel"/>; block-wise weights: <see cref="Blockwise.BlockGptq"/>).
    /// </summary>
    Gptq,
    /// <summary><c>hqq</c>: half-quadratic fit of each block's zero point (block-wise weights, asymmetric; no data).</summary>
    Hqq,
    /// <summary><c>awq</c>: activation-aware per-channel weight scaling searched on calibration data, folded into the preceding layer (block-wise weights).</summary>
    Awq,
}
