using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Graph;

/// <summary>
/// Turns Constant nodes into initializers. Some exporters (PaddleOCR's among them) store every weight as a Constant
/// node; treating them as initializers lets weight quantization and folding see them like any other weight.
/// </summary>
internal static class ConstantPromotion
{
    /// <summary>The initializer equivalent of a tensor-valued Constant node, or null if the node is not one.</summary>
    public static TensorProto? TryToInitializer(NodeProto node)
    {
        if (node.OpType != "Constant" || node.Domain is not ("" or "ai.onnx") || node.Output.Count != 1 || node.Attribute.Count != 1)
            return null;
        string name = node.Output[0];
        var attribute = node.Attribute[0];
        TensorProto? tensor = attribute.Name switch
        {
            "value" when attribute.T is not null => attribute.T.Clone(),
            "value_float" when attribute.HasF => TensorData.FromFloats(name, [], [attribute.F]),
            "value_floats" => TensorData.FromFloats(name, [attribute.Floats.Count], attribute.Floats.ToArray()),
            "value_int" when attribute.HasI => TensorData.FromInt64s(name, [], [attribute.I]),
            "value_ints" => TensorData.FromInt64s(name, [attribute.Ints.Count], attribute.Ints.ToArray()),
            _ => null, // sparse and string constants stay nodes
        };
        if (tensor is null)
            return null;
        tensor.Name = name;
        return tensor;
    }
}
