using Ptq.Graph;

namespace Ptq.Pipeline;

/// <summary>
/// The first and last weighted layers of a graph, which <see cref="StaticQuantizationSettings.EdgeWeights"/> quantizes
/// apart: the Conv, ConvTranspose, Gemm and MatMul nodes with a constant weight that no other such layer feeds (directly
/// or through other ops), and those that feed none. In a plain CNN that is the stem convolution and the classifier; a
/// network with several input or output branches has one of each per branch. Each If/Loop/Scan body counts on its own
/// (models such as Silero VAD keep a whole network in each If branch): there a layer is first when nothing in its body
/// feeds it and last when it feeds nothing in its body, paths running through the nodes whose bodies read a value.
/// </summary>
internal static class EdgeLayers
{
    /// <summary>The edge layers of <paramref name="graph"/> and of each of its subgraphs.</summary>
    public static IReadOnlySet<Node> Find(OnnxGraph graph) =>
        graph.AllGraphs().SelectMany(FindIn).ToHashSet<Node>(ReferenceEqualityComparer.Instance);

    private static IEnumerable<Node> FindIn(OnnxGraph graph)
    {
        var order = graph.TopologicalOrder();
        // Values an If/Loop/Scan node's body reads from this graph count as its inputs, so paths run through it.
        var producers = order.ToDictionary<Node, Node, List<Node>>(n => n, n => n.Inputs.Concat(n.ImplicitInputs()).Where(i => i.Length > 0)
            .Select(graph.Producer).OfType<Node>().Where(p => p.Graph == graph).ToList(), ReferenceEqualityComparer.Instance);
        var consumers = order.ToDictionary<Node, Node, List<Node>>(n => n, _ => [], ReferenceEqualityComparer.Instance);
        foreach (var (node, sources) in producers)
            foreach (var source in sources)
                consumers[source].Add(node);
        var afterLayer = Reach(order, node => producers[node], node => IsLayer(graph, node));
        var beforeLayer = Reach(order.Reverse(), node => consumers[node], node => IsLayer(graph, node));
        return order.Where(n => IsLayer(graph, n) && (!afterLayer.Contains(n) || !beforeLayer.Contains(n)));
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
}
