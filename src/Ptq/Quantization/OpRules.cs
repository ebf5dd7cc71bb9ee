using Ptq.Graph;

namespace Ptq.Quantization;

/// <summary>
/// The table of operator rules: one line per op type Ptq quantizes. Placement follows ONNX Runtime's QDQ fusion
/// patterns, so each quantized op becomes an integer kernel (QLinearConv, QLinearMatMul, QGemm, QLinearAdd,
/// QLinearConcat, …) or runs directly on int8 (MaxPool, Reshape, Transpose, … with equal input/output parameters).
/// </summary>
internal static class OpRules
{
    private static readonly int[] First = [0];
    private static readonly int[] FirstTwo = [0, 1];

    private static readonly Dictionary<string, OpRule> Table = new OpRule[]
    {
        new("Conv", First, WeightInput: 1, BiasInput: 2, OutputQuantization.Own, ComputesInInt8: true, AlwaysInt8: true),
        new("ConvTranspose", First, WeightInput: 1, BiasInput: 2, OutputQuantization.Own, ComputesInInt8: true, AlwaysInt8: true),
        new("Gemm", First, WeightInput: 1, BiasInput: 2, OutputQuantization.Own, ComputesInInt8: true, AlwaysInt8: true),
        new("MatMul", FirstTwo, WeightInput: 1, BiasInput: null, OutputQuantization.Own, ComputesInInt8: true, AlwaysInt8: true),
        new("Add", FirstTwo, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("Mul", FirstTwo, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("Concat", null, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("AveragePool", First, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("GlobalAveragePool", First, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("LeakyRelu", First, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("Sigmoid", First, null, null, OutputQuantization.Own, ComputesInInt8: true),
        new("HardSigmoid", First, null, null, OutputQuantization.Own),
        new("HardSwish", First, null, null, OutputQuantization.Own),
        new("Tanh", First, null, null, OutputQuantization.Own),
        new("Softmax", First, null, null, OutputQuantization.Own),
        // Only BatchNorms that were not folded (--fold-bn false, or one after an op folding cannot reach): ORT has no
        // integer kernel, so it runs float between DequantizeLinear and QuantizeLinear when an int8 op reads it.
        new("BatchNormalization", First, null, null, OutputQuantization.Own),
        new("Relu", First, null, null, OutputQuantization.Own),
        new("Clip", First, null, null, OutputQuantization.Own),
        new("Resize", First, null, null, OutputQuantization.FollowInput),
        new("MaxPool", First, null, null, OutputQuantization.FollowInput),
        new("Reshape", First, null, null, OutputQuantization.FollowInput),
        new("Flatten", First, null, null, OutputQuantization.FollowInput),
        new("Transpose", First, null, null, OutputQuantization.FollowInput),
        new("Squeeze", First, null, null, OutputQuantization.FollowInput),
        new("Unsqueeze", First, null, null, OutputQuantization.FollowInput),
        new("Slice", First, null, null, OutputQuantization.FollowInput),
        new("Split", First, null, null, OutputQuantization.FollowInput),
        new("Pad", First, null, null, OutputQuantization.FollowInput),
        new("Gather", First, null, null, OutputQuantization.FollowInput),
    }.ToDictionary(r => r.OpType, StringComparer.Ordinal);

    /// <summary>Op types that have a rule.</summary>
    public static IReadOnlyCollection<string> QuantizableOpTypes => Table.Keys;

    /// <summary>The rule for <paramref name="node"/>, or null when Ptq leaves it float (custom domain or no rule).</summary>
    public static OpRule? For(Node node) => node.IsStandard ? Table.GetValueOrDefault(node.OpType) : null;

    /// <summary>
    /// Channel axis of a per-channel weight for <paramref name="node"/>: Conv 0 (output channels), ConvTranspose 1,
    /// Gemm 0 when transB=1 else 1, MatMul the last axis of a rank-2 weight (1).
    /// </summary>
    public static int WeightChannelAxis(Node node) => node.OpType switch
    {
        "ConvTranspose" => 1,
        "Gemm" => node.GetInt("transB", 0) == 1 ? 0 : 1,
        "MatMul" => 1,
        _ => 0,
    };
}
