using Ptq.Graph;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>Clip's <c>min</c>/<c>max</c> attributes became optional inputs at 11; they become scalar initializers of the input's type.</summary>
internal sealed class ClipAdapter() : OpAdapter(6, "Clip")
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(11))
            return;
        // Clip-6 is defined for float types only, so an undeclared input type is float.
        int type = NodeEdits.ElementType(node.Graph, node.Inputs[0]) ?? (int)DT.Float;
        if (node.Attribute("min") is { HasF: true } min)
            NodeEdits.SetInput(node, 1, NodeEdits.AddScalar(node, "min", type, min.F));
        if (node.Attribute("max") is { HasF: true } max)
            NodeEdits.SetInput(node, 2, NodeEdits.AddScalar(node, "max", type, max.F));
        node.RemoveAttribute("min");
        node.RemoveAttribute("max");
    }
}
