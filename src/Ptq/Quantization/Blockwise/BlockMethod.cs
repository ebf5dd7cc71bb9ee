namespace Ptq.Quantization.Blockwise;

/// <summary>How the parameters of each block are chosen.</summary>
internal enum BlockMethod
{
    /// <summary>Round to nearest over the block's own range (min-max): ONNX Runtime's default block quantizer.</summary>
    Rtn,

    /// <summary>Half-quadratic optimization of the zero point (<see cref="HqqBlock"/>), asymmetric only, no data.</summary>
    Hqq,

    /// <summary>GPTQ's error compensation from calibration inputs on round-to-nearest block grids (<see cref="BlockGptq"/>).</summary>
    Gptq,

    /// <summary>Activation-aware input-channel scaling searched on calibration data, then round to nearest (<c>AwqPass</c>).</summary>
    Awq,
}
