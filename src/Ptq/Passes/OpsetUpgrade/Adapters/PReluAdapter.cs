using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// PRelu before 7 applies a 1-D slope of C values per channel (axis 1); from 7 the slope broadcasts numpy-style, aligning
/// trailing dims. A per-channel slope is unsqueezed to [C, 1, …] so it still lands on axis 1 (this needs X's rank).
/// </summary>
internal sealed class PReluAdapter() : OpAdapter(6, "PRelu")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.From < 7 && Trailing(node, step) is (null, var reason) ? reason : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.From < 7 && Trailing(node, step).Count is > 0 and var count)
            LegacyBroadcastAdapter.UnsqueezeTrailing(node, 1, count, step);
    }

    private static (int? Count, string? Reason) Trailing(Node node, UpgradeStep step)
    {
        var graph = node.Graph;
        var slope = NodeEdits.ConstantValue(graph, node.Inputs[1]);
        int? slopeRank = step.Rank(graph, node.Inputs[1]);
        if (slope is not null && TensorData.ElementCount(slope) == 1)
            return (0, null);
        if (slopeRank != 1)
            return slopeRank is null ? (null, $"the rank of slope '{node.Inputs[1]}' is unknown") : (0, null);
        if (step.Rank(graph, node.Inputs[0]) is not int rank)
            return (null, $"a 1-D slope applies per channel before opset 7, and the rank of '{node.Inputs[0]}' is unknown");
        return (Math.Max(0, rank - 2), null);
    }
}
