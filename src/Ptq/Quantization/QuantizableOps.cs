using System.Collections.Frozen;

namespace Ptq.Quantization;

/// <summary>
/// The operator types Ptq can quantize (default ONNX domain only). This is the one place that decides it; inspection
/// reports against it and the quantizer's op rules will own it.
/// </summary>
public static class QuantizableOps
{
    /// <summary>Quantizable op types of the default ONNX domain, ordinal comparison.</summary>
    public static FrozenSet<string> OpTypes { get; } = FrozenSet.Create(StringComparer.Ordinal,
        "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Concat",
        "MaxPool", "AveragePool", "GlobalAveragePool", "Resize",
        "Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Softmax",
        "Gather", "BatchNormalization",
        "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Split", "Pad");

    /// <summary>True when a node of <paramref name="opType"/> in <paramref name="domain"/> ("" or "ai.onnx" for the default) can be quantized.</summary>
    public static bool Contains(string domain, string opType) =>
        domain is "" or "ai.onnx" && OpTypes.Contains(opType);
}
