using Ptq.Graph;
using Ptq.Quantization;

namespace Ptq.Reports;

/// <summary>
/// Where an activation's quantization range comes from when it is not its own, found from both graphs' structure and
/// the parameters themselves: a Concat whose output range its inputs reuse (Ptq's shared Concat scale), or the input a
/// data-movement op (MaxPool, Reshape, Pad…) passes its range on from. Overrides must name that node to change the range.
/// </summary>
internal sealed class RangeSources
{
    private readonly Dictionary<string, QdqLink> _byFloat;
    private readonly OnnxGraph _floatGraph;
    private readonly OnnxGraph _quantGraph;

    public RangeSources(IReadOnlyList<QdqLink> links, OnnxGraph floatGraph, OnnxGraph quantGraph)
    {
        _byFloat = links.Where(l => l.Kind == QdqLinkKind.Activation).GroupBy(l => l.FloatTensor!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _floatGraph = floatGraph;
        _quantGraph = quantGraph;
    }

    /// <summary>The Concat reading <paramref name="tensor"/> whose output has the same scales and zero points, or null.</summary>
    public string? SharedConcat(string tensor)
    {
        if (!_byFloat.TryGetValue(tensor, out var link)) return null;
        foreach (var consumer in link.Consumers.Where(c => c.NodeType == "Concat"))
        {
            if (_quantGraph.Nodes.FirstOrDefault(n => n.DisplayName == consumer.NodeName) is { } concat
                && _byFloat.TryGetValue(concat.Outputs[0], out var output) && output != link && SameParameters(output, link))
                return concat.DisplayName;
        }
        return null;
    }

    /// <summary>
    /// The node that writes the tensor whose range <paramref name="tensor"/> passes on through data-movement ops with the
    /// same parameters (e.g. the Relu before a MaxPool), or null when the range is the tensor's own or comes from a graph input.
    /// </summary>
    public string? PassedOnFrom(string tensor)
    {
        string current = tensor;
        while (_floatGraph.Producer(current) is { } producer && OpRules.For(producer) is { Output: OutputQuantization.FollowInput }
            && producer.Inputs.Count > 0 && _byFloat.TryGetValue(current, out var here) && _byFloat.TryGetValue(producer.Inputs[0], out var source)
            && SameParameters(here, source))
            current = producer.Inputs[0];
        return current == tensor ? null : _floatGraph.Producer(current)?.DisplayName;
    }

    private static bool SameParameters(QdqLink a, QdqLink b) => a.Scales.SequenceEqual(b.Scales) && a.ZeroPoints.SequenceEqual(b.ZeroPoints);
}
