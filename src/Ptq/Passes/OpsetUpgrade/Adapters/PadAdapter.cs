using Ptq.Graph;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>Pad's <c>pads</c> and <c>value</c> attributes became inputs (int64 pads, scalar constant_value) at 11.</summary>
internal sealed class PadAdapter() : OpAdapter(2, "Pad")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.From < 11 && node.GetInts("pads") is null ? "Pad before opset 11 requires the 'pads' attribute and it is missing" : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(11))
            return;
        long[] pads = node.GetInts("pads")!;
        float value = node.GetFloat("value", 0f);
        NodeEdits.SetInput(node, 1, NodeEdits.AddInt64s(node, "pads", pads));
        if (value != 0f)
        {
            // Pad-2 is defined for float types only, so an undeclared input type is float.
            int type = NodeEdits.ElementType(node.Graph, node.Inputs[0]) ?? (int)DT.Float;
            NodeEdits.SetInput(node, 2, NodeEdits.AddScalar(node, "value", type, value));
        }
        node.RemoveAttribute("pads");
        node.RemoveAttribute("value");
    }
}
