namespace Ptq.Quantization;

/// <summary>What a quantized op's output gets.</summary>
internal enum OutputQuantization
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
/// <param name="ComputesInInt8">True for ops ONNX Runtime runs as an integer kernel when inputs and output are quantized (QLinearConv, QLinearAdd, …).</param>
/// <param name="AlwaysInt8">True for the heavy ops (Conv, Gemm, MatMul) that are worth running in int8 even when nothing after them is:
/// they are quantized whenever possible. Other ops run in int8 only when a consumer does, since a lone Q/DQ around a
/// cheap op costs accuracy and buys no speed.</param>
internal sealed record OpRule(string OpType, int[]? ActivationInputs, int? WeightInput, int? BiasInput, OutputQuantization Output,
    bool ComputesInInt8 = false, bool AlwaysInt8 = false);
