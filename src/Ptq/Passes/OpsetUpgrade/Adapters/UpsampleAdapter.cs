using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Upsample is deprecated from 10; it becomes Resize(X, roi="", scales) with scales from the attributes
/// (<c>height_scale</c>/<c>width_scale</c> of the experimental version 1 on [N,C,H,W], <c>scales</c> at 7–8) or input 1 (9).
/// Version 1's <c>bilinear</c> is refused: it defines no coordinate mapping, and the implementations disagree (Caffe2
/// aligns corners, Upsample-7 linear does not), while its nearest mode is the floor rule of version 7.
/// </summary>
internal sealed class UpsampleAdapter() : OpAdapter(1, "Upsample")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step)
    {
        string mode = node.GetString("mode", "nearest");
        if (ResizeModes.Mode(mode) is null)
            return $"mode '{mode}' has no Resize equivalent (expected nearest or linear)";
        if (step.From < 7)
        {
            if (mode != "nearest")
                return $"mode '{mode}' of the experimental Upsample-1 has no defined coordinate mapping (Caffe2 aligns corners, Upsample-7 does not)";
            if (node.Attribute("height_scale") is not { HasF: true } || node.Attribute("width_scale") is not { HasF: true })
                return "Upsample before opset 7 requires the 'height_scale' and 'width_scale' attributes and one is missing";
            if (step.Rank(node.Graph, node.Inputs[0]) is int rank && rank != 4)
                return $"Upsample before opset 7 takes an [N,C,H,W] input, and '{node.Inputs[0]}' has rank {rank}";
        }
        else if (step.From < 9 && NodeEdits.GetFloats(node, "scales") is null)
        {
            return "Upsample before opset 9 requires the 'scales' attribute and it is missing";
        }
        return null;
    }

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        string mode = ResizeModes.Mode(node.GetString("mode", "nearest"))!;
        // Upsample scales are >= 1 by definition, so legacy nearest rounding is always floor; the scales may be dynamic.
        string? nearest = mode == "nearest" ? "floor" : null;
        string scalesInput = step.From switch
        {
            < 7 => NodeEdits.AddFloats(node, "scales", [1f, 1f, node.GetFloat("height_scale", 1f), node.GetFloat("width_scale", 1f)]),
            < 9 => NodeEdits.AddFloats(node, "scales", NodeEdits.GetFloats(node, "scales")!),
            _ => node.Inputs[1],
        };
        node.RemoveAttribute("height_scale");
        node.RemoveAttribute("width_scale");
        ResizeModes.ToResize(node, scalesInput, mode, nearest);
    }
}
