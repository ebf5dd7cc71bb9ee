using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Resize-10 (X, scales) becomes Resize-11+ (X, roi="", scales) with the Resize-10 coordinate and rounding modes made explicit.
/// Later versions only add modes and attributes whose defaults keep the meaning.
/// </summary>
internal sealed class ResizeAdapter() : OpAdapter(10, "Resize")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step)
    {
        if (!step.Crosses(11))
            return null;
        string mode = node.GetString("mode", "nearest");
        if (ResizeModes.Mode(mode) is null)
            return $"mode '{mode}' is not a Resize-10 mode (expected nearest or linear)";
        return mode == "nearest" ? ResizeModes.NearestMode(ResizeModes.ConstantScales(node, 1)).Reason : null;
    }

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(11))
            return;
        string mode = ResizeModes.Mode(node.GetString("mode", "nearest"))!;
        string? nearest = mode == "nearest" ? ResizeModes.NearestMode(ResizeModes.ConstantScales(node, 1)).NearestMode : null;
        ResizeModes.ToResize(node, node.Inputs[1], mode, nearest);
    }
}
