using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>RoiAlign-16 added <c>coordinate_transformation_mode</c> defaulting to half_pixel; RoiAlign-10 behaves as output_half_pixel.</summary>
internal sealed class RoiAlignAdapter() : OpAdapter(10, "RoiAlign")
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.Crosses(16))
            node.SetAttribute(Node.StringAttribute("coordinate_transformation_mode", "output_half_pixel"));
    }
}
