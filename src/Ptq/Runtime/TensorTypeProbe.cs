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
    /// input; returns what ORT produced, by name.
    /// </summary>
    public static IReadOnlyDictionary<string, ProbedTensor> Probe(OnnxModel model, IReadOnlyDictionary<string, TensorValue> sample, RunnerOptions? options = null)
    {
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var names = graph.Nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0).Distinct().ToList();
        using var runner = OrtRunner.WithOutputs(model, names, options);
        var outputs = runner.Run(sample, names);
        var result = outputs.ToDictionary(kv => kv.Key, kv => new ProbedTensor(kv.Value.DataType, kv.Value.Shape), StringComparer.Ordinal);
        foreach (var (name, value) in sample)
            result[name] = new ProbedTensor(value.DataType, value.Shape);
        return result;
    }
}
