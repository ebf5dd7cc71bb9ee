using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Binary ops before 7 broadcast only when <c>broadcast=1</c>, aligning B with A at <c>axis</c> (or at the trailing dims
/// when no axis is given); from 7 they broadcast numpy-style, aligning trailing dims. Trailing alignment carries over as is;
/// an explicit axis is carried over by unsqueezing B with the trailing 1-dims numpy alignment needs, which takes known ranks.
/// </summary>
internal sealed class LegacyBroadcastAdapter() : OpAdapter(1, "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.From < 7 && TrailingOnes(node, step) is (null, var reason) ? reason : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.From >= 7)
            return;
        int trailing = TrailingOnes(node, step).Count!.Value;
        node.RemoveAttribute("broadcast");
        node.RemoveAttribute("axis");
        node.RemoveAttribute("consumed_inputs");
        if (trailing > 0)
            UnsqueezeTrailing(node, 1, trailing, step);
    }

    /// <summary>Inserts Unsqueeze(axes = the <paramref name="count"/> dims after the input's own) before input <paramref name="index"/>.</summary>
    internal static void UnsqueezeTrailing(Node node, int index, int count, UpgradeStep step)
    {
        var graph = node.Graph;
        string input = node.Inputs[index];
        int rank = step.Rank(graph, input)!.Value;
        string axes = NodeEdits.AddInt64s(node, "unsqueeze_axes", [.. Enumerable.Range(rank, count).Select(a => (long)a)]);
        string output = graph.AddNode("Unsqueeze", [input, axes], [graph.UniqueName($"{input}_aligned")], graph.UniqueName($"{node.DisplayName}_align")).Outputs[0];
        graph.ReplaceInput(node, index, output);
    }

    private static (int? Count, string? Reason) TrailingOnes(Node node, UpgradeStep step)
    {
        if (node.GetInt("broadcast", 0) == 0 || node.Attribute("axis") is null)
            return (0, null);
        var graph = node.Graph;
        if (step.Rank(graph, node.Inputs[0]) is not int rankA || step.Rank(graph, node.Inputs[1]) is not int rankB)
            return (null, $"broadcast=1 with axis={node.GetInt("axis", 0)} needs the ranks of '{node.Inputs[0]}' and '{node.Inputs[1]}', which the model does not declare");
        long axis = node.GetInt("axis", 0);
        long trailing = rankA - (axis < 0 ? axis + rankA : axis) - rankB;
        return trailing >= 0 ? ((int)trailing, null) : (null, $"broadcast axis {axis} does not fit ranks {rankA} and {rankB}");
    }
}
