using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// BatchNormalization: <c>is_test</c> removed at 7, <c>spatial</c> (default 1) removed at 9 — only spatial=1 has a
/// later equivalent — and from 14 the extra outputs exist only in training mode. Unused training outputs are dropped.
/// </summary>
internal sealed class BatchNormalizationAdapter() : OpAdapter(6, "BatchNormalization")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step)
    {
        if (step.Crosses(9) && node.GetInt("spatial", 1) != 1)
            return $"spatial={node.GetInt("spatial", 1)} (per-activation statistics) has no equivalent from opset 9";
        if (step.Crosses(14) && node.Outputs.Skip(1).FirstOrDefault(o => NodeEdits.IsUsed(node.Graph, o)) is { } used)
            return $"its training output '{used}' is read, and from opset 14 such outputs exist only in training mode";
        return null;
    }

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        node.RemoveAttribute("is_test");
        node.RemoveAttribute("consumed_inputs");
        if (step.Crosses(9))
            node.RemoveAttribute("spatial");
        if (step.Crosses(14) && node.Outputs.Count > 1)
            node.Graph.SetOutputs(node, [node.Outputs[0]]);
    }
}
