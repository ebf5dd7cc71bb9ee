using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Quantization;

namespace Ptq.Passes;

/// <summary>
/// Rewrites one Conv with a constant weight into ONNX Runtime's dynamic-quantization pattern for convolutions (what its
/// quantize_dynamic writes): DynamicQuantizeLinear → ConvInteger → Cast → Mul(input scale × weight scale per output
/// channel) [→ Add(bias)]. Convolutional models without MatMul (Silero VAD) get integer convolutions this way.
/// </summary>
internal static class DynamicConv
{
    /// <summary>The float weight of <paramref name="node"/> (a Conv of rank ≥ 3 weight, with a constant 1-D bias or none); null otherwise.</summary>
    public static (TensorProto Weight, float[]? Bias)? WeightOf(Node node, ExternalDataReader? external)
    {
        var graph = node.Graph;
        if (node.OpType != "Conv" || !node.IsStandard || node.Inputs.Count < 2
            || graph.VisibleInitializer(node.Inputs[1]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: >= 3 } weight)
            return null;
        float[]? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (graph.VisibleInitializer(node.Inputs[2]) is not { DataType: (int)TensorProto.Types.DataType.Float } b || TensorData.ElementCount(b) != weight.Dims[0])
                return null;
            bias = TensorData.ToFloats(b, external);
        }
        return (weight, bias);
    }

    /// <summary>
    /// Replaces <paramref name="node"/> in its own graph (the main graph or a body) by the dynamic pattern. Symmetric
    /// schemes get one scale per output channel and a scalar zero point 0 (ConvInteger takes one weight zero point);
    /// asymmetric ones one range for the whole weight.
    /// </summary>
    public static QuantizedTensorRecord Rewrite(Node node, TensorProto weight, float[]? bias, QuantScheme scheme, bool perChannel, ExternalDataReader? external)
    {
        var graph = node.Graph;
        long[] dims = [.. weight.Dims];
        long channels = dims[0];
        bool perChannelScales = perChannel && scheme.Mode == QuantMode.Symmetric;
        var quantized = WeightQuantizer.MinMax(weight.Name, TensorData.ToFloats(weight, external), dims, scheme, perChannelScales ? 0 : null);
        string prefix = node.DisplayName;
        var storage = scheme.ActivationStorageType; // INT8, or UINT8 for asym_u
        string wq = graph.UniqueName(weight.Name + "_quantized");
        graph.AddInitializer(QuantizedTensors.Create(wq, storage, dims, quantized.Codes));
        string wzp = graph.UniqueName(weight.Name + "_zero_point");
        graph.AddInitializer(QuantizedTensors.Create(wzp, storage, [], [quantized.Parameters.ZeroPoints[0]]));
        // Scales broadcast over [N, C, spatial…]: shape [C, 1, …, 1] for per-channel, a scalar otherwise.
        long[] scaleDims = perChannelScales ? [channels, .. Enumerable.Repeat(1L, dims.Length - 2)] : [];
        string wscale = graph.UniqueName(weight.Name + "_scale");
        graph.AddInitializer(TensorData.FromFloats(wscale, scaleDims, quantized.Parameters.Scales));

        string output = node.Outputs[0];
        string x = node.Inputs[0];
        string xq = graph.UniqueName(prefix + "_input_quantized"), xs = graph.UniqueName(prefix + "_input_scale"), xz = graph.UniqueName(prefix + "_input_zero_point");
        string acc = graph.UniqueName(prefix + "_int32"), accf = graph.UniqueName(prefix + "_accumulator"), scale = graph.UniqueName(prefix + "_output_scale");
        string product = bias is null ? output : graph.UniqueName(prefix + "_product");
        var attributes = node.Attributes.Select(a => a.Clone()).ToList();
        graph.RemoveNode(node);
        graph.AddNode("DynamicQuantizeLinear", [x], [xq, xs, xz], name: graph.UniqueName(prefix + "_DynamicQuantizeLinear"));
        graph.AddNode("ConvInteger", [xq, wq, xz, wzp], [acc], name: graph.UniqueName(prefix + "_ConvInteger"), attributes: attributes);
        graph.AddNode("Cast", [acc], [accf], name: graph.UniqueName(prefix + "_Cast"), attributes: [Node.IntAttribute("to", (int)TensorProto.Types.DataType.Float)]);
        graph.AddNode("Mul", [xs, wscale], [scale], name: graph.UniqueName(prefix + "_MulScales"));
        graph.AddNode("Mul", [accf, scale], [product], name: graph.UniqueName(prefix + "_MulOutputScale"));
        if (bias is not null)
        {
            string b = graph.UniqueName(prefix + "_bias");
            graph.AddInitializer(TensorData.FromFloats(b, [channels, .. Enumerable.Repeat(1L, dims.Length - 2)], bias));
            graph.AddNode("Add", [product, b], [output], name: graph.UniqueName(prefix + "_AddBias"));
        }
        return new QuantizedTensorRecord(prefix, "Conv", weight.Name, "Weight", dims, quantized.Parameters);
    }
}
