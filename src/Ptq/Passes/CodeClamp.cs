using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes;

/// <summary>
/// The clamp between an activation's QuantizeLinear and its DequantizeLinear that keeps the codes in
/// [<see cref="QuantScheme.QMin"/>, <see cref="QuantScheme.QMax"/>] when the scheme has fewer bits than its storage type
/// (<see cref="QuantScheme.NarrowerThanActivationStorage"/>): QuantizeLinear saturates only at the type's limits, so
/// without it a 4-bit activation in UINT8 would reach code 255 beyond its calibrated range, and a fused Relu whose zero
/// point sits at a signed scheme's QMin would let negative values through. 8-bit codes get one Clip, which keeps ONNX
/// Runtime's QLinear* fusions on both sides for UINT8; 16-bit codes get Cast to INT32 → Clip → Cast back, because ONNX
/// Runtime's CPU Clip has no 16-bit kernel. Found again by structure alone: in a QDQ graph only such a clamp reads a
/// QuantizeLinear's codes before its DequantizeLinear.
/// </summary>
internal static class CodeClamp
{
    /// <summary>
    /// Adds the clamp of <paramref name="scheme"/> after <paramref name="codes"/> (a QuantizeLinear output) and returns
    /// the clamped codes, or <paramref name="codes"/> itself when the storage type's own limits are the scheme's.
    /// </summary>
    public static string Insert(OnnxGraph graph, string codes, QuantScheme scheme, string hint)
    {
        if (!scheme.NarrowerThanActivationStorage)
            return codes;
        var storage = scheme.ActivationStorageType;
        var clipType = scheme.Bits <= 8 ? storage : DT.Int32;
        string min = graph.UniqueName(hint + "_code_min"), max = graph.UniqueName(hint + "_code_max");
        graph.AddInitializer(QuantizedTensors.Create(min, clipType, [], [scheme.QMin]));
        graph.AddInitializer(QuantizedTensors.Create(max, clipType, [], [scheme.QMax]));
        string input = clipType == storage ? codes : Cast(graph, codes, DT.Int32, hint + "_codes_int32");
        string clamped = graph.UniqueName(hint + "_codes_clamped");
        graph.AddNode("Clip", [input, min, max], [clamped], name: graph.UniqueName(hint + "_CodeClamp"));
        return clipType == storage ? clamped : Cast(graph, clamped, storage, hint + "_codes_clamped_" + OnnxDataType.Name((int)storage).ToLowerInvariant());
    }

    /// <summary>
    /// The QuantizeLinear whose codes <paramref name="codes"/> (a DequantizeLinear's input) carries, directly or through
    /// a clamp, with the clamp's bounds (null without one); null when <paramref name="codes"/> comes from elsewhere.
    /// </summary>
    public static (Node Quantize, (long Min, long Max)? Bounds)? Source(OnnxGraph graph, string codes)
    {
        (long Min, long Max)? bounds = null;
        // At most Cast → Clip → Cast between the two.
        for (int step = 0; step < 4 && graph.Producer(codes) is { Inputs.Count: > 0 } producer; step++)
        {
            switch (producer)
            {
                case { OpType: "QuantizeLinear" }:
                    return (producer, bounds);
                case { IsStandard: true, OpType: "Clip" } when Bound(graph, producer, 1) is long min && Bound(graph, producer, 2) is long max:
                    bounds = bounds is { } b ? (Math.Max(b.Min, min), Math.Min(b.Max, max)) : (min, max);
                    break;
                case { IsStandard: true, OpType: "Cast" }:
                    break;
                default:
                    return null;
            }
            codes = producer.Inputs[0];
        }
        return null;
    }

    /// <summary>True when <paramref name="node"/> is part of a clamp: a Clip or Cast reading a QuantizeLinear's codes, directly or through another.</summary>
    public static bool IsPart(OnnxGraph graph, Node node) =>
        node is { IsStandard: true, OpType: "Clip" or "Cast" } && Source(graph, node.Outputs[0]) is not null;

    private static long? Bound(OnnxGraph graph, Node clip, int index) =>
        index < clip.Inputs.Count && graph.Initializer(clip.Inputs[index]) is { DataType: (int)DT.Int8 or (int)DT.Uint8 or (int)DT.Int32 } tensor
            && TensorData.ToInt64s(tensor) is [long value]
            ? value
            : null;

    private static string Cast(OnnxGraph graph, string input, DT to, string hint)
    {
        string output = graph.UniqueName(hint);
        graph.AddNode("Cast", [input], [output], name: graph.UniqueName(hint + "_Cast"), attributes: [Node.IntAttribute("to", (int)to)]);
        return output;
    }
}
