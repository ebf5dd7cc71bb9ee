using Ptq.Onnx;

namespace Ptq.Pipeline;

/// <summary>Counts that describe a quantization for people: what was quantized, what stayed float and why, sizes.</summary>
/// <param name="Activations">Activation tensors with Q/DQ.</param>
/// <param name="Weights">Weights stored as integers.</param>
/// <param name="Biases">Biases stored as int32.</param>
/// <param name="FloatNodesByReason">Nodes left float, grouped by reason (reason → op types with counts).</param>
/// <param name="FoldedBatchNorms">BatchNormalization nodes folded.</param>
/// <param name="FusedActivations">Relu/Clip nodes absorbed into quantized outputs.</param>
/// <param name="BiasCorrections">Layers whose bias was corrected.</param>
/// <param name="FloatWeightBytes">Bytes of all tensors of the prepared float model.</param>
/// <param name="QuantizedWeightBytes">Bytes of all tensors of the quantized model.</param>
/// <param name="LayersByWeightBits">Nodes whose weights are quantized, by the weights' bit width (ascending).</param>
public sealed record QuantizationSummary(int Activations, int Weights, int Biases,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> FloatNodesByReason, int FoldedBatchNorms, int FusedActivations,
    int BiasCorrections, long FloatWeightBytes, long QuantizedWeightBytes, IReadOnlyDictionary<int, IReadOnlyList<string>> LayersByWeightBits)
{
    /// <summary>Summarises <paramref name="result"/>.</summary>
    internal static QuantizationSummary Of(StaticQuantizationResult result)
    {
        var byReason = result.Plan.FloatNodes
            .GroupBy(f => f.Reason, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, int>)g.GroupBy(f => f.Node.OpType).OrderByDescending(t => t.Count())
                .ToDictionary(t => t.Key, t => t.Count(), StringComparer.Ordinal), StringComparer.Ordinal);
        return new QuantizationSummary(
            result.Tensors.Count(t => t.Kind == "Activation"),
            result.Tensors.Count(t => t.Kind == "Weight"),
            result.Tensors.Count(t => t.Kind == "Bias"),
            byReason, result.FoldedBatchNorms, result.FusedActivations, result.BiasCorrections.Count,
            ModelIO.EstimateInlineBytes(result.PreparedFloatModel.Proto), ModelIO.EstimateInlineBytes(result.Model.Proto),
            result.Tensors.Where(t => t.Kind == "Weight").GroupBy(t => t.Parameters.Scheme.Bits).OrderBy(g => g.Key)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(t => t.NodeName).Distinct(StringComparer.Ordinal)]));
    }
}
