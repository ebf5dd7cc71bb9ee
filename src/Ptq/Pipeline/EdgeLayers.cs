using Ptq.Graph;

namespace Ptq.Pipeline;

/// <summary>
/// The first and last weighted layers of a graph, which <see cref="StaticQuantizationSettings.EdgeWeights"/> quantizes
/// apart: the Conv, ConvTranspose, Gemm and MatMul nodes with a constant weight that no other such layer feeds (directly
/// or through other ops), and those that feed none. In a plain CNN that is the stem convolution and the classifier; a
/// network with several input or output branches has one of each per branch. Layers inside subgraphs are not counted.
/// </summary>
internal static class EdgeLayers
{
    /// <summary>The edge layers of <paramref name="graph"/>'s main graph.</summary>
    public static IReadOnlySet<Node> Find(OnnxGraph graph)
    {
        var order = graph.TopologicalOrder();
        var afterLayer = Reach(order, node => Producers(graph, node), node => IsLayer(graph, node));
        var beforeLayer = Reach(order.Reverse(), node => Consumers(graph, node), node => IsLayer(graph, node));
        return order.Where(n => IsLayer(graph, n) && (!afterLayer.Contains(n) || !beforeLayer.Contains(n)))
            .ToHashSet<Node>(ReferenceEqualityComparer.Instance);
    }

    /// <summary>True when <paramref name="node"/> is a weighted layer: its weight (input 1) is an initializer.</summary>
    public static bool IsLayer(OnnxGraph graph, Node node) =>
        node.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul" && node.IsStandard && node.Inputs.Count > 1
        && graph.VisibleInitializer(node.Inputs[1]) is not null;

    // The nodes a layer reaches through `neighbours`, visited in an order where a node's neighbours come before it.
    private static HashSet<Node> Reach(IEnumerable<Node> order, Func<Node, IEnumerable<Node>> neighbours, Func<Node, bool> isLayer)
    {
        var reached = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var node in order)
            if (neighbours(node).Any(n => isLayer(n) || reached.Contains(n)))
                reached.Add(node);
        return reached;
    }

    private static IEnumerable<Node> Producers(OnnxGraph graph, Node node) =>
        node.Inputs.Where(i => i.Length > 0).Select(graph.Producer).OfType<Node>();

    private static IEnumerable<Node> Consumers(OnnxGraph graph, Node node) =>
        node.Outputs.Where(o => o.Length > 0).SelectMany(o => graph.Consumers(o)).Select(c => c.Node);
}
