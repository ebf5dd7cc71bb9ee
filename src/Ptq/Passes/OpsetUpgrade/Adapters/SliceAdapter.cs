using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>Slice's <c>starts</c>/<c>ends</c>/<c>axes</c> attributes became int64 inputs 1–3 at 10.</summary>
internal sealed class SliceAdapter() : OpAdapter(1, "Slice")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.From < 10 && (node.GetInts("starts") is null || node.GetInts("ends") is null)
            ? "Slice before opset 10 requires the 'starts' and 'ends' attributes and one is missing"
            : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(10))
            return;
        NodeEdits.SetInput(node, 1, NodeEdits.AddInt64s(node, "starts", node.GetInts("starts")!));
        NodeEdits.SetInput(node, 2, NodeEdits.AddInt64s(node, "ends", node.GetInts("ends")!));
        if (node.GetInts("axes") is { } axes)
            NodeEdits.SetInput(node, 3, NodeEdits.AddInt64s(node, "axes", axes));
        node.RemoveAttribute("starts");
        node.RemoveAttribute("ends");
        node.RemoveAttribute("axes");
    }
}
