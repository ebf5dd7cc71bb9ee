using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;

namespace Ptq.Passes;

/// <summary>
/// Removes a Relu, or a Clip whose lower bound is 0, that directly follows an op with an int8 kernel (Conv, Gemm,
/// MatMul, Add, …) when that op's output feeds nothing else. The producer then writes the activation's output name and
/// the quantizer gives that tensor the activation's calibrated range; with asymmetric activations the zero point sits
/// at the lowest code, so QuantizeLinear's clamping reproduces the Relu/Clip exactly and ORT runs one fused kernel.
/// Only valid for asymmetric activation schemes; callers skip it for symmetric ones.
/// </summary>
internal static class ActivationFusion
{
    /// <summary>
    /// Fuses every eligible activation in <paramref name="graph"/> and in the bodies of its If/Loop/Scan nodes (each body
    /// is planned and rewritten as a graph of its own, so an unfused Relu there rounds twice: once on the producer's full
    /// range, negatives included, and again on the Relu's); returns the fused output names with the value range the
    /// removed op guaranteed (Relu: [0, +∞); Clip: [0, max]). Only pairs (producer, activation) for which
    /// <paramref name="canFuse"/> is true are fused: the caller must know that both run in int8, since dropping a Relu in
    /// front of a float consumer would lose its clamping.
    /// </summary>
    public static IReadOnlyDictionary<string, FloatRange> Apply(OnnxGraph graph, Func<Node, Node, bool> canFuse, ExternalDataReader? external = null)
    {
        var fused = new Dictionary<string, FloatRange>(StringComparer.Ordinal);
        foreach (var g in graph.AllGraphs().ToList())
            ApplyIn(g, canFuse, external, fused);
        return fused;
    }

    private static void ApplyIn(OnnxGraph graph, Func<Node, Node, bool> canFuse, ExternalDataReader? external, Dictionary<string, FloatRange> fused)
    {
        foreach (var activation in graph.Nodes.Where(n => n.IsStandard && n.OpType is "Relu" or "Clip").ToList())
        {
            if (ActivationBounds(graph, activation, external) is not { } bounds || bounds.Min != 0)
                continue;
            string input = activation.Inputs[0];
            var producer = graph.Producer(input);
            if (producer is null || OpRules.For(producer) is not { ComputesInInt8: true }
                || graph.Consumers(input).Count != 1 || graph.IsGraphOutput(input) || ReadInBodies(graph, input)
                || !canFuse(producer, activation))
                continue;
            int outputIndex = producer.Outputs.ToList().IndexOf(input);
            string output = activation.Outputs[0];
            graph.RemoveNode(activation);
            graph.SetOutput(producer, outputIndex, output);
            fused[output] = bounds;
        }
    }

    // A body nested in this graph may read the value by name (an outer-scope capture) without being listed as a consumer.
    internal static bool ReadInBodies(OnnxGraph graph, string name) =>
        graph.Subgraphs().Any(body => body.Nodes.Any(n => n.Inputs.Contains(name)) || body.Outputs.Exists(o => o.Name == name));

    /// <summary>The value range a Relu or Clip node guarantees, or null when its bounds are not constants.</summary>
    internal static FloatRange? ActivationBounds(OnnxGraph graph, Node node, ExternalDataReader? external)
    {
        if (node.OpType == "Relu")
            return new FloatRange(0f, float.PositiveInfinity);
        // Clip-11+: min and max are optional inputs; earlier opsets use attributes.
        float? min = node.Inputs.Count > 1 ? Scalar(graph, node.Inputs[1], external) : node.GetFloat("min", float.NegativeInfinity);
        float? max = node.Inputs.Count > 2 ? Scalar(graph, node.Inputs[2], external) : node.GetFloat("max", float.PositiveInfinity);
        if (node.Inputs.Count > 1 && node.Inputs[1].Length == 0) min = float.NegativeInfinity;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length == 0) max = float.PositiveInfinity;
        return min is float lo && max is float hi ? new FloatRange(lo, hi) : null;
    }

    private static float? Scalar(OnnxGraph graph, string name, ExternalDataReader? external)
    {
        if (name.Length == 0)
            return null;
        var tensor = graph.Initializer(name);
        if (tensor is null || TensorData.ElementCount(tensor) != 1)
            return null;
        return TensorData.ToFloats(tensor, external)[0];
    }
}
