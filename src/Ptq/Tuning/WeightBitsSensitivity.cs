using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Pipeline.Reconstruction;
using Ptq.Quantization.Blockwise;

namespace Ptq.Tuning;

/// <summary>What one layer's low-bit weights alone cost the output.</summary>
/// <param name="Node">The layer.</param>
/// <param name="Weights">How many weights it holds.</param>
/// <param name="Loss">1 − mean output cosine against float with only this layer's weights at low bits.</param>
internal sealed record WeightCost(string Node, long Weights, double Loss)
{
    /// <summary>Loss per weight: what keeping the layer at high bits buys per byte it costs.</summary>
    public double LossPerWeight => Loss / Math.Max(1, Weights);
}

/// <summary>
/// Measures once what each layer's low-bit weights cost the output: the float model with only that layer's weights
/// replaced by the values the quantization chose (reconstructed codes included) runs the check samples, and the loss
/// is one minus the mean output cosine against float. Activations stay float, so the figure is the weights' own share,
/// and one float run per layer is all it takes (no re-quantization).
/// </summary>
internal static class WeightBitsSensitivity
{
    /// <summary>
    /// The cost of every layer of <paramref name="result"/> whose weights have at most <paramref name="lowBits"/> bits,
    /// most loss per weight first, measured on <paramref name="check"/>'s samples against its float model.
    /// </summary>
    public static IReadOnlyList<WeightCost> Rank(StaticQuantizationResult result, OutputCheck check, int lowBits, CancellationToken cancellationToken = default)
    {
        var dequantized = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        ConstantDequantization.Fold(dequantized, result.Model.External);
        var quantizedNodes = dequantized.Nodes.GroupBy(n => n.DisplayName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var floatModel = check.Reference;
        var costs = new List<WeightCost>();
        foreach (var record in result.Tensors.Where(t => t.Kind == "Weight" && t.Parameters.Scheme.Bits <= lowBits))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var graph = OnnxGraph.FromModel(floatModel, promoteConstants: false);
            var node = graph.Nodes.FirstOrDefault(n => n.DisplayName == record.NodeName);
            var original = graph.Initializer(record.TensorName);
            if (node is null || original is null || !quantizedNodes.TryGetValue(record.NodeName, out var twin))
                continue;
            long count = original.Dims.Aggregate(1L, (a, d) => a * d);
            if (Weights(node, twin, record.TensorName, original, dequantized, result.Model.External) is not { } values)
                continue;
            graph.ReplaceInitializer(TensorData.FromFloats(record.TensorName, [.. original.Dims], values));
            var proto = floatModel.Proto.Clone();
            proto.Graph = graph.ToProto();
            double cosine = check.Cosine(new OnnxModel(proto, floatModel.External?.BaseDirectory, floatModel.SourcePath));
            costs.Add(new WeightCost(record.NodeName, count, 1 - cosine));
        }
        return [.. costs.OrderByDescending(c => c.LossPerWeight).ThenBy(c => c.Node, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The values the quantized layer <paramref name="twin"/> multiplies by in place of <paramref name="node"/>'s float
    /// weight <paramref name="original"/>: the dequantized initializer at the same input, or MatMulNBits' decoded blocks
    /// (W[K, N], transposed for a Gemm that reads its weight as [N, K]); null when they do not fit.
    /// </summary>
    private static float[]? Weights(Node node, Node twin, string weight, TensorProto original, OnnxGraph dequantized, ExternalDataReader? external)
    {
        if (twin.OpType != "MatMulNBits")
        {
            int slot = node.Inputs.ToList().IndexOf(weight);
            return slot >= 0 && slot < twin.Inputs.Count && dequantized.Initializer(twin.Inputs[slot]) is { } values && values.Dims.SequenceEqual(original.Dims)
                ? TensorData.ToFloats(values)
                : null;
        }
        if (original.Dims.Count != 2 || BlockTensors.DequantizeMatMulNBits(twin, dequantized, external) is not { } decoded || decoded.LongLength != original.Dims[0] * original.Dims[1])
            return null;
        return node.OpType == "Gemm" && node.GetInt("transB", 0) != 0
            ? BlockMatMulWeight.Transpose(decoded, rows: original.Dims[1], cols: original.Dims[0])
            : decoded;
    }
}
