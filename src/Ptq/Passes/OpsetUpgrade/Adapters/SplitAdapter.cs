using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Split's <c>split</c> attribute became input 1 at 13. From 18 a Split without sizes must say how many parts it makes
/// (<c>num_outputs</c>); before, the output count implied an equal split.
/// </summary>
internal sealed class SplitAdapter() : OpAdapter(2, "Split")
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.Crosses(13) && node.GetInts("split") is { } split)
        {
            node.RemoveAttribute("split");
            NodeEdits.SetInput(node, 1, NodeEdits.AddInt64s(node, "split", split));
        }
        bool hasSizes = node.Inputs.Count > 1 && node.Inputs[1].Length > 0;
        if (step.Crosses(18) && !hasSizes && node.Attribute("num_outputs") is null)
            node.SetAttribute(Node.IntAttribute("num_outputs", node.Outputs.Count));
    }
}
