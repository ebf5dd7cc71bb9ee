using System.Collections.Frozen;

namespace Ptq.Quantization;

/// <summary>
/// The operator types Ptq can quantize (default ONNX domain only): exactly those with a rule in <see cref="OpRules"/>,
/// so inspection reports what the quantizer will do.
/// </summary>
internal static class QuantizableOps
{
    /// <summary>Quantizable op types of the default ONNX domain, ordinal comparison.</summary>
    public static FrozenSet<string> OpTypes { get; } = OpRules.QuantizableOpTypes.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>True when a node of <paramref name="opType"/> in <paramref name="domain"/> ("" or "ai.onnx" for the default) can be quantized.</summary>
    public static bool Contains(string domain, string opType) =>
        domain is "" or "ai.onnx" && OpTypes.Contains(opType);
}
