using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Ops whose <c>axes</c> attribute became the optional int64 input 1 at <c>version</c>: Squeeze, Unsqueeze and ReduceSum
/// at 13, the other Reduce* ops at 18. A node without the attribute keeps its meaning with the input omitted
/// (all size-1 dims, all axes).
/// </summary>
internal sealed class AxesToInputAdapter(long version, params string[] opTypes) : OpAdapter(1, opTypes)
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        node.OpType == "Unsqueeze" && step.From < 13 && node.Attribute("axes") is null
            ? "Unsqueeze before opset 13 requires the 'axes' attribute and it is missing"
            : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(version) || node.GetInts("axes") is not { } axes)
            return;
        node.RemoveAttribute("axes");
        NodeEdits.SetInput(node, 1, NodeEdits.AddInt64s(node, "axes", axes));
    }
}
