using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>Upsample is deprecated from 10; it becomes Resize(X, roi="", scales) with scales from the attribute (7–8) or input 1 (9).</summary>
internal sealed class UpsampleAdapter() : OpAdapter(7, "Upsample")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step)
    {
        string mode = node.GetString("mode", "nearest");
        if (ResizeModes.Mode(mode) is null)
            return $"mode '{mode}' has no Resize equivalent (expected nearest or linear)";
        if (step.From < 9 && NodeEdits.GetFloats(node, "scales") is null)
            return "Upsample before opset 9 requires the 'scales' attribute and it is missing";
        return null;
    }

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        string mode = ResizeModes.Mode(node.GetString("mode", "nearest"))!;
        // Upsample scales are >= 1 by definition, so legacy nearest rounding is always floor; the scales may be dynamic.
        string? nearest = mode == "nearest" ? "floor" : null;
        string scalesInput = step.From < 9 ? NodeEdits.AddFloats(node, "scales", NodeEdits.GetFloats(node, "scales")!) : node.Inputs[1];
        ResizeModes.ToResize(node, scalesInput, mode, nearest);
    }
}
