using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>Cuts a model down to what computes some of its values, so ONNX Runtime runs no node it does not need.</summary>
internal static class ModelSlice
{
    /// <summary>
    /// A copy of <paramref name="model"/> with only the nodes <paramref name="outputs"/> depend on (subgraph reads
    /// included) and those values as its outputs. Names that are graph inputs or initializers are not declared as
    /// outputs (callers read them from the feeds); when nothing is left to compute the result has no outputs.
    /// </summary>
    public static OnnxModel Upstream(OnnxModel model, IReadOnlyCollection<string> outputs)
    {
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var needed = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>(outputs);
        while (pending.TryPop(out string? name))
        {
            if (graph.Producer(name) is not { } producer || !needed.Add(producer))
                continue;
            foreach (string input in producer.Inputs.Concat(producer.ImplicitInputs()))
                if (input.Length > 0)
                    pending.Push(input);
        }
        foreach (var node in graph.Nodes.Where(n => !needed.Contains(n)).ToList())
            graph.RemoveNode(node);
        graph.Outputs.Clear();
        foreach (string name in outputs.Distinct(StringComparer.Ordinal).Where(n => graph.Producer(n) is not null))
            graph.Outputs.Add(new ValueInfoProto { Name = name, Type = graph.FindType(name) ?? new TypeProto() });
        graph.RemoveUnusedInitializers();
        var proto = model.Proto.Clone();
        proto.Graph = graph.ToProto();
        return new OnnxModel(proto, model.External?.BaseDirectory, model.SourcePath);
    }
}
