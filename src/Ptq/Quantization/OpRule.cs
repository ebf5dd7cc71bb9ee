namespace Ptq.Quantization;

/// <summary>What a quantized op's output gets.</summary>
public enum OutputQuantization
{
    /// <summary>The output stays float.</summary>
    None,
    /// <summary>The output gets its own calibrated range.</summary>
    Own,
    /// <summary>The output reuses the parameters of input 0 (data-movement ops: ORT runs them on int8 only then).</summary>
    FollowInput,
}

/// <summary>
/// How one operator type is quantized: which inputs are activations, which input is a weight (and its channel axis),
/// which is a bias, and what its output gets. The table lives in <see cref="OpRules"/>.
/// </summary>
/// <param name="OpType">ONNX operator type in the default domain.</param>
/// <param name="ActivationInputs">Input positions quantized as activations; null means every input.</param>
/// <param name="WeightInput">Input position of the weight, if the op has one.</param>
/// <param name="BiasInput">Input position of the bias (quantized to int32 with scale = input scale × weight scale).</param>
/// <param name="Output">What the output gets.</param>
/// <param name="ComputesInInt8">True for ops whose int8 kernel needs quantized output (Conv, Gemm, MatMul, …): their outputs are always quantized.</param>
public sealed record OpRule(string OpType, int[]? ActivationInputs, int? WeightInput, int? BiasInput, OutputQuantization Output, bool ComputesInInt8 = false);
