using Ptq.Graph;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Dropout is the identity at inference in every version, so the node stays. Its history: <c>is_test</c> removed at 7,
/// the mask output became bool at 10, <c>ratio</c> became an input at 12. A mask that something reads cannot be carried
/// across 10 because its type changes.
/// </summary>
internal sealed class DropoutAdapter() : OpAdapter(6, "Dropout")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.Crosses(10) && node.Outputs.Count > 1 && NodeEdits.IsUsed(node.Graph, node.Outputs[1])
            ? $"its mask output '{node.Outputs[1]}' is read, and the mask changes type from the data type to bool at opset 10"
            : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        node.RemoveAttribute("is_test");
        if (step.Crosses(10) && node.Outputs.Count > 1)
            node.Graph.SetOutputs(node, [node.Outputs[0]]);
        if (step.Crosses(12) && node.Attribute("ratio") is { HasF: true } ratio)
        {
            NodeEdits.SetInput(node, 1, NodeEdits.AddScalar(node, "ratio", (int)DT.Float, ratio.F));
            node.RemoveAttribute("ratio");
        }
    }
}
