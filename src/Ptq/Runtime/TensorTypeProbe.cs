using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Runtime;

/// <summary>Element type and shape of one tensor as ORT produced it for a sample.</summary>
internal readonly record struct ProbedTensor(int DataType, long[] Shape);

/// <summary>
/// Learns the element type and shape of every node output by running one sample with all of them exposed. ONNX files
/// often lack value infos, and Ptq's own inference (Passes/Shapes) covers only the common ops; ORT's answer is authoritative.
/// </summary>
internal static class TensorTypeProbe
{
    /// <summary>
    /// Runs <paramref name="sample"/> through <paramref name="model"/> exposing every main-graph node output and graph
    /// input, and the float node outputs inside If/Loop/Scan bodies (routed out; empty when their branch did not run);
    /// returns what ORT produced, by name.
    /// </summary>
    public static IReadOnlyDictionary<string, ProbedTensor> Probe(OnnxModel model, IReadOnlyDictionary<string, TensorValue> sample, RunnerOptions? options = null)
    {
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var names = graph.Nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0).Distinct().ToList();
        names.AddRange(FloatBodyValues(graph));
        using var runner = OrtRunner.WithOutputs(model, names, options);
        var outputs = runner.Run(sample, names);
        var result = outputs.ToDictionary(kv => kv.Key, kv => new ProbedTensor(kv.Value.DataType, kv.Value.Shape), StringComparer.Ordinal);
        foreach (var (name, value) in sample)
            result[name] = new ProbedTensor(value.DataType, value.Shape);
        return result;
    }

    // Float values of bodies, each defined by one body only (a name reused by sibling branches is ambiguous).
    private static IEnumerable<string> FloatBodyValues(OnnxGraph graph)
    {
        var bodies = graph.Subgraphs().ToList();
        if (bodies.Count == 0)
            return [];
        var types = ElementTypes.Infer(graph);
        // Node outputs, and the inputs of Loop/Scan bodies (the carried values and scanned slices layers read).
        var outputs = bodies.SelectMany(b => b.Inputs.Select(i => i.Name).Concat(b.Nodes.SelectMany(n => n.Outputs))).Where(o => o.Length > 0).ToList();
        var once = outputs.GroupBy(o => o, StringComparer.Ordinal).Where(g => g.Count() == 1).Select(g => g.Key);
        return once.Where(o => types.TryGetValue(o, out int t) && t == (int)Onnx.Proto.TensorProto.Types.DataType.Float && !graph.IsVisible(o));
    }
}
