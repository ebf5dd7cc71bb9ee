using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>TopK's <c>k</c> attribute became the int64 input 1 (shape [1]) at 10.</summary>
internal sealed class TopKAdapter() : OpAdapter(1, "TopK")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.From < 10 && node.Attribute("k") is not { HasI: true } ? "TopK before opset 10 requires the 'k' attribute and it is missing" : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(10))
            return;
        NodeEdits.SetInput(node, 1, NodeEdits.AddInt64s(node, "k", [node.GetInt("k", 0)]));
        node.RemoveAttribute("k");
    }
}
