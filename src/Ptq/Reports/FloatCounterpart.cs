using Ptq.Graph;

namespace Ptq.Reports;

/// <summary>
/// Finds, in the fp32 graph, what a <see cref="QdqLink"/> of the quantized graph stands for. Activations: the float tensor
/// the QuantizeLinear reads is a value of both graphs. Constants: the node reading the DequantizeLinear is found in the
/// fp32 graph by name, or (unnamed nodes) as the only node of the same op type whose first input is the same float
/// value and whose inputs, at every position where the quantized node reads a dequantized constant, are initializers of
/// the same dimensions; the fp32 input at the constant's position is the float weight.
/// </summary>
internal sealed class FloatCounterpart(OnnxGraph floatGraph, OnnxGraph quantizedGraph)
{
    private readonly Dictionary<string, Node> _byName = floatGraph.Nodes.Where(n => n.Name.Length > 0)
        .GroupBy(n => n.Name, StringComparer.Ordinal).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The fp32 node that writes <paramref name="tensor"/> (output) or, for a graph input, its first reader (input); null when absent.</summary>
    public (Node Node, bool IsInput)? Owner(string tensor)
    {
        if (floatGraph.Producer(tensor) is { } producer) return (producer, false);
        return floatGraph.Consumers(tensor) is { Count: > 0 } readers ? (readers[0].Node, true) : null;
    }

    /// <summary>The fp32 node and initializer of a constant link, or a reason why there is none.</summary>
    public (Node Node, string Initializer)? Weight(QdqLink link, out string? reason)
    {
        reason = null;
        foreach (var consumer in link.Consumers)
        {
            var quantNode = quantizedGraph.Nodes.FirstOrDefault(n => n.DisplayName == consumer.NodeName && n.OpType == consumer.NodeType);
            if (quantNode is null) continue;
            var floatNode = Match(quantNode);
            if (floatNode is null)
            {
                reason = $"node '{consumer.NodeName}' ({consumer.NodeType}) has no counterpart in the fp32 model";
                continue;
            }
            bool absent = consumer.InputIndex >= floatNode.Inputs.Count || floatNode.Inputs[consumer.InputIndex].Length == 0;
            if (absent && link.Kind == QdqLinkKind.Bias)
            {
                reason = $"bias correction gave '{floatNode.DisplayName}' a bias; the fp32 node has none to compare with";
                continue;
            }
            if (absent || floatGraph.Initializer(floatNode.Inputs[consumer.InputIndex]) is null)
            {
                reason = $"input {consumer.InputIndex} of '{floatNode.DisplayName}' is not a float initializer in the fp32 model";
                continue;
            }
            return (floatNode, floatNode.Inputs[consumer.InputIndex]);
        }
        reason ??= "nothing reads it";
        return null;
    }

    private Node? Match(Node quantNode)
    {
        if (quantNode.Name.Length > 0)
            return _byName.TryGetValue(quantNode.Name, out var named) && named.OpType == quantNode.OpType ? named : null;
        if (quantNode.Inputs.Count == 0) return null;
        string first = QdqGraphMap.FloatValueOf(quantizedGraph, quantNode.Inputs[0]);
        var constants = ConstantDims(quantNode);
        var candidates = floatGraph.Consumers(first).Where(c => c.InputIndex == 0 && c.Node.OpType == quantNode.OpType
            && constants.All(k => k.Index < c.Node.Inputs.Count && floatGraph.Initializer(c.Node.Inputs[k.Index]) is { } w && w.Dims.SequenceEqual(k.Dims))).ToList();
        return candidates.Count == 1 ? candidates[0].Node : null;
    }

    /// <summary>Positions where <paramref name="quantNode"/> reads a DequantizeLinear of an initializer, with its dimensions.</summary>
    private List<(int Index, long[] Dims)> ConstantDims(Node quantNode)
    {
        var result = new List<(int, long[])>();
        for (int i = 0; i < quantNode.Inputs.Count; i++)
        {
            if (quantizedGraph.Producer(quantNode.Inputs[i]) is { OpType: "DequantizeLinear" } dq && dq.Inputs.Count > 0
                && quantizedGraph.Initializer(dq.Inputs[0]) is { } codes)
                result.Add((i, [.. codes.Dims]));
        }
        return result;
    }
}
