using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;

using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>A layer bias that reconstruction may refit: its float values and where the quantized model keeps it.</summary>
/// <param name="Values">The float model's bias, one per output channel.</param>
/// <param name="Value">The value the layer reads in the quantized model (a DequantizeLinear output or a float initializer).</param>
/// <param name="Codes">The int32 codes initializer behind <paramref name="Value"/>, or null when the bias is float.</param>
/// <param name="Scales">The scale of each channel's codes (one element when shared); empty when the bias is float.</param>
/// <param name="ScaleName">The initializer holding <paramref name="Scales"/>, or null when the bias is float.</param>
internal sealed record BiasSlot(float[] Values, string Value, string? Codes, float[] Scales, string? ScaleName);

/// <summary>
/// One layer of a quantized model whose weight codes reconstruction may choose: a Conv, ConvTranspose, Gemm or MatMul
/// reading a DequantizeLinear of constant codes, matched by node name to its float counterpart.
/// </summary>
/// <param name="Node">The layer in the quantized graph.</param>
/// <param name="Geometry">Its matrices and patches.</param>
/// <param name="Parameters">The weight's quantization parameters (the grid, kept as is).</param>
/// <param name="Weight">The float model's weight, in the weight's layout.</param>
/// <param name="WeightDims">Its dims.</param>
/// <param name="Codes">The codes initializer in the quantized graph.</param>
/// <param name="Scale">The weight's scale initializer in the quantized graph.</param>
/// <param name="WeightValue">The dequantized weight the layer reads (the DequantizeLinear output).</param>
/// <param name="Input">The layer's input in the quantized model.</param>
/// <param name="FloatInput">The same input in the float model.</param>
/// <param name="FloatWeightName">The float weight initializer's name (the key of reused results).</param>
/// <param name="Bias">The bias to refit, or null.</param>
/// <param name="ScalesFixed">True when a quantized bias reconstruction cannot rewrite depends on the weight scales (input scale × weight scale), so they must not move.</param>
internal sealed record ReconstructionLayer(Node Node, LayerGeometry Geometry, QuantParams Parameters, float[] Weight, long[] WeightDims,
    string Codes, string Scale, string WeightValue, string Input, string FloatInput, string FloatWeightName, BiasSlot? Bias, bool ScalesFixed)
{
    /// <summary>The node's name.</summary>
    public string Name => Node.DisplayName;

    /// <summary>The grid of one group's rows.</summary>
    public RowGrid Grid(int group)
    {
        var scales = new float[Geometry.Rows];
        var zeros = new int[Geometry.Rows];
        for (int r = 0; r < Geometry.Rows; r++)
        {
            int channel = Parameters.IsPerChannel ? Geometry.Channel(group, r) : 0;
            scales[r] = Parameters.Scales[channel];
            zeros[r] = Parameters.ZeroPoints[channel];
        }
        return new RowGrid(scales, zeros, Parameters.Scheme.QMin, Parameters.Scheme.QMax);
    }

    /// <summary>
    /// The layers of <paramref name="quantized"/> that reconstruction covers, in topological order; the others are
    /// listed in <paramref name="skipped"/> with the reason. <paramref name="records"/> give each weight's parameters.
    /// </summary>
    public static List<ReconstructionLayer> Find(OnnxGraph quantized, OnnxGraph reference, IReadOnlyList<QuantizedTensorRecord> records,
        ExternalDataReader? external, ICollection<string> skipped)
    {
        var floatNodes = reference.Nodes.Where(n => n.Name.Length > 0).GroupBy(n => n.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var layers = new List<ReconstructionLayer>();
        foreach (var node in quantized.TopologicalOrder())
        {
            if (node.OpType is not ("Conv" or "ConvTranspose" or "Gemm" or "MatMul") || !node.IsStandard || node.Inputs.Count < 2
                || quantized.Producer(node.Inputs[1]) is not { OpType: "DequantizeLinear" } dequantize
                || quantized.Initializer(dequantize.Inputs[0]) is not { } codes)
                continue;
            if (!floatNodes.TryGetValue(node.Name, out var floatNode) || floatNode.OpType != node.OpType
                || reference.Initializer(floatNode.Inputs[1]) is not { } floatWeight
                || records.FirstOrDefault(r => r.Kind == "Weight" && r.NodeName == node.DisplayName && r.TensorName == floatNode.Inputs[1]) is not { } record)
            {
                skipped.Add($"{node.DisplayName}: no float counterpart of its weight");
                continue;
            }
            long[] dims = [.. floatWeight.Dims];
            if (LayerGeometry.For(node, dims, out string? reason) is not { } geometry)
            {
                skipped.Add($"{node.DisplayName}: {reason}");
                continue;
            }
            if (record.Parameters.Axis is int axis && axis != geometry.Axis)
            {
                skipped.Add($"{node.DisplayName}: per-channel scales along axis {axis}, not the output channels");
                continue;
            }
            var bias = FindBias(quantized, reference, node, floatNode, geometry, external);
            bool otherBias = bias is null && node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && quantized.Producer(node.Inputs[2]) is { OpType: "DequantizeLinear" };
            layers.Add(new ReconstructionLayer(node, geometry, record.Parameters, TensorData.ToFloats(floatWeight, external), dims, codes.Name,
                dequantize.Inputs[1], node.Inputs[1], node.Inputs[0], floatNode.Inputs[0], floatNode.Inputs[1], bias, otherBias));
        }
        return layers;
    }

    /// <summary>
    /// The bias a layer output's mean can be matched with: Conv and ConvTranspose, and Gemm with alpha = beta = 1, with
    /// one value per output channel, read only by this layer, as int32 codes behind a DequantizeLinear or as floats.
    /// </summary>
    private static BiasSlot? FindBias(OnnxGraph quantized, OnnxGraph reference, Node node, Node floatNode, LayerGeometry geometry, ExternalDataReader? external)
    {
        int outputs = geometry.Groups * geometry.Rows;
        if (node.Inputs.Count < 3 || node.Inputs[2].Length == 0 || quantized.Consumers(node.Inputs[2]).Count != 1
            || (node.OpType == "Gemm" && (node.GetFloat("alpha", 1) != 1 || node.GetFloat("beta", 1) != 1)))
            return null;
        // Bias correction may have given the quantized layer a bias the float one lacks: the float bias is then zero.
        var floatBias = floatNode.Inputs.Count > 2 && floatNode.Inputs[2].Length > 0 ? reference.Initializer(floatNode.Inputs[2]) : null;
        var values = floatBias is null ? new float[outputs] : TensorData.ToFloats(floatBias, external);
        if (values.Length != outputs || (floatBias is null && floatNode.Inputs.Count > 2 && floatNode.Inputs[2].Length > 0))
            return null;
        string value = node.Inputs[2];
        if (quantized.Initializer(value) is { } floats)
            return TensorData.ElementCount(floats) == outputs ? new BiasSlot(values, value, null, [], null) : null;
        if (quantized.Producer(value) is { OpType: "DequantizeLinear" } dq && quantized.Initializer(dq.Inputs[0]) is { } codes
            && TensorData.ElementCount(codes) == outputs && codes.DataType == (int)Onnx.Proto.TensorProto.Types.DataType.Int32 && quantized.Initializer(dq.Inputs[1]) is { } scale
            && (dq.Inputs.Count < 3 || dq.Inputs[2].Length == 0 || quantized.Initializer(dq.Inputs[2]) is { } zero && TensorData.ToFloats(zero, external).All(z => z == 0)))
            return new BiasSlot(values, value, codes.Name, TensorData.ToFloats(scale, external), scale.Name);
        return null;
    }
}
