using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Softmax, LogSoftmax and Hardmax changed meaning at 13: before, the input is coerced to 2-D at <c>axis</c> (default 1)
/// and normalized over all trailing dims together; from 13 they normalize over the single axis (default -1). The two
/// agree when every dim after <c>axis</c> is 1 — in particular when <c>axis</c> is the last dim (-1 needs no rank) —
/// and then only the attribute is made explicit; otherwise the node becomes Flatten(axis) → op(axis=-1) →
/// Reshape(Shape(X)), which is the old definition spelled out. Ranks and dims come from static inference, so a stale
/// declared shape does not decide.
/// </summary>
internal sealed class SoftmaxAdapter() : OpAdapter(1, "Softmax", "LogSoftmax", "Hardmax")
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(13))
            return;
        var graph = node.Graph;
        long axis = node.GetInt("axis", 1);
        string input = node.Inputs[0];
        if (SameMeaning(step, node, axis))
        {
            node.SetAttribute(Node.IntAttribute("axis", axis));
            return;
        }
        string output = node.Outputs[0];
        string flat = graph.AddNode("Flatten", [input], [graph.UniqueName($"{input}_flat2d")], graph.UniqueName($"{node.DisplayName}_flatten"),
            [Node.IntAttribute("axis", axis)]).Outputs[0];
        string shape = graph.AddNode("Shape", [input], [graph.UniqueName($"{input}_shape")], graph.UniqueName($"{node.DisplayName}_shape")).Outputs[0];
        string normalized = graph.UniqueName($"{output}_2d");
        graph.SetInputs(node, [flat]);
        graph.SetOutput(node, 0, normalized);
        node.SetAttribute(Node.IntAttribute("axis", -1));
        graph.AddNode("Reshape", [normalized, shape], [output], graph.UniqueName($"{node.DisplayName}_reshape"));
    }

    // True when every dim after axis is 1 (none at all when axis is the last), so coercing to 2-D changes nothing.
    private static bool SameMeaning(UpgradeStep step, Node node, long axis)
    {
        if (axis == -1)
            return true;
        var graph = node.Graph;
        string input = node.Inputs[0];
        if (step.Shapes.For(graph)?.Shape(input) is { } dims)
            return Shapes.NodeContext.Axis(axis, dims.Length) is int a && dims.Skip(a + 1).All(d => d.Is(1));
        return step.Rank(graph, input) is int rank && rank > 0 && (axis < 0 ? axis + rank : axis) == rank - 1;
    }
}
