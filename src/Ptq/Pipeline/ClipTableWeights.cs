using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>Re-quantizes the weights a clip table lists: one symmetric 8-bit scale, clip / 127, codes clamped to ±127.</summary>
internal static class ClipTableWeights
{
    public static void Apply(Dictionary<WeightPlan, QuantizedWeight> weights, OnnxGraph graph, QuantizationChoices choices, ExternalDataReader? external)
    {
        foreach (var plan in weights.Keys.ToList())
        {
            if (choices.ClipOf(plan.Initializer) is not double clip)
                continue;
            var tensor = plan.Node.Graph.VisibleInitializer(plan.Initializer)!;
            var parameters = new QuantParams([(float)(clip / 127)], [0], QuantizationChoices.ClipTableScheme);
            weights[plan] = new QuantizedWeight(WeightQuantizer.Encode(TensorData.ToFloats(tensor, external), parameters, [.. tensor.Dims]), parameters);
        }
    }
}
