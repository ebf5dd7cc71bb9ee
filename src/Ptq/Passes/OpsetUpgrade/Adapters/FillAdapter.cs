using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// The experimental fill ops (Caffe2's, removed at opset 10). GivenTensorFill writes its <c>values</c>, ConstantFill
/// repeats its <c>value</c> (as <c>dtype</c>, default float). The output shape is the <c>shape</c> attribute (no input;
/// a scalar when absent) — then the node becomes a Constant — or comes from input 0: its shape, or with
/// <c>input_as_shape</c> its contents, followed by <c>extra_shape</c>; then GivenTensorFill becomes Reshape(values, shape)
/// and ConstantFill ConstantOfShape(shape).
/// </summary>
internal sealed class FillAdapter() : OpAdapter(1, "GivenTensorFill", "ConstantFill")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step)
    {
        bool hasInput = node.Inputs.Count > 0 && node.Inputs[0].Length > 0;
        if (node.GetInt("input_as_shape", 0) != 0 && !hasInput)
            return "input_as_shape=1 needs the shape as input 0, and the node has no input";
        if (hasInput && node.Attribute("shape") is not null)
            return "it has both a 'shape' attribute and a shape input";
        if (node.OpType == "ConstantFill")
            return node.GetInt("dtype", (int)DT.Float) is var dtype && (DT)dtype is DT.Float or DT.Double or DT.Float16 or DT.Int32 or DT.Int64 or DT.Bool
                ? null
                : $"dtype {OnnxDataType.Name((int)dtype)} is not a ConstantFill type (float, int32, int64, bool)";
        if (NodeEdits.GetFloats(node, "values") is not { } values)
            return "GivenTensorFill needs the 'values' attribute";
        long count = (node.GetInts("shape") ?? []).Aggregate(1L, (a, d) => a * d);
        return !hasInput && count != values.Length ? $"its shape holds {count} elements and 'values' {values.Length}" : null;
    }

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        var graph = node.Graph;
        bool given = node.OpType == "GivenTensorFill";
        bool hasInput = node.Inputs.Count > 0 && node.Inputs[0].Length > 0;
        int type = given
            ? (hasInput && node.GetInt("input_as_shape", 0) == 0 && NodeEdits.ElementType(graph, node.Inputs[0]) is int t && NodeEdits.IsFloat(t) ? t : (int)DT.Float)
            : (int)node.GetInt("dtype", (int)DT.Float);
        double[] values = given ? [.. NodeEdits.GetFloats(node, "values")!.Select(v => (double)v)] : [node.GetFloat("value", 0f)];
        if (!hasInput)
        {
            long[] dims = node.GetInts("shape") ?? [];
            long count = dims.Aggregate(1L, (a, d) => a * d);
            SetOnly(node, "Constant", [], Attribute(NodeEdits.Tensor("value", type, dims, given ? values : [.. Enumerable.Repeat(values[0], (int)count)])));
            return;
        }
        string shape = node.GetInt("input_as_shape", 0) != 0
            ? graph.AddNode("Cast", [node.Inputs[0]], [graph.UniqueName($"{node.Outputs[0]}_shape")], graph.UniqueName($"{node.DisplayName}_cast"),
                [Node.IntAttribute("to", (int)DT.Int64)]).Outputs[0]
            : graph.AddNode("Shape", [node.Inputs[0]], [graph.UniqueName($"{node.Outputs[0]}_shape")], graph.UniqueName($"{node.DisplayName}_shape")).Outputs[0];
        if (node.GetInts("extra_shape") is { Length: > 0 } extra)
            shape = graph.AddNode("Concat", [shape, NodeEdits.AddInt64s(node, "extra_shape", extra)], [graph.UniqueName($"{node.Outputs[0]}_full_shape")],
                graph.UniqueName($"{node.DisplayName}_concat"), [Node.IntAttribute("axis", 0)]).Outputs[0];
        if (given)
            SetOnly(node, "Reshape", [NodeEdits.AddTensor(node, "values", type, [values.Length], values), shape]);
        else
            SetOnly(node, "ConstantOfShape", [shape], Attribute(NodeEdits.Tensor("value", type, [1], values)));
    }

    private static void SetOnly(Node node, string opType, string[] inputs, params AttributeProto[] attributes)
    {
        node.OpType = opType;
        node.Attributes.Clear();
        node.Attributes.AddRange(attributes);
        node.Graph.SetInputs(node, inputs);
    }

    private static AttributeProto Attribute(TensorProto tensor) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };
}
