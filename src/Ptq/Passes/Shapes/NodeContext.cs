using Ptq.Graph;

namespace Ptq.Passes.Shapes;

/// <summary>One node as a shape rule sees it: its attributes, its inputs' inferred shapes and tracked values, and the opset.</summary>
internal readonly struct NodeContext(Node node, ShapeTable table, long opset)
{
    public Node Node => node;

    public long Opset => opset;

    /// <summary>True when input <paramref name="index"/> is present (not omitted with "").</summary>
    public bool Has(int index) => index < node.Inputs.Count && node.Inputs[index].Length > 0;

    /// <summary>The inferred shape of input <paramref name="index"/>; null when absent or unknown.</summary>
    public Dim[]? Shape(int index) => Has(index) ? table.Shape(node.Inputs[index]) : null;

    /// <summary>The tracked elements of integer input <paramref name="index"/>; null when absent or not tracked.</summary>
    public Dim[]? Values(int index) => Has(index) ? table.Values(node.Inputs[index]) : null;

    /// <summary>The elements of input <paramref name="index"/> when all are known numbers.</summary>
    public long[]? Ints(int index) =>
        Values(index) is { } values && values.All(v => v.IsKnown) ? [.. values.Select(v => v.Value!.Value)] : null;

    /// <summary>
    /// An ints attribute that later opsets moved to an input: the attribute when present, else the constant input;
    /// null when neither is there (or the input is computed at run time).
    /// </summary>
    public long[]? IntsFrom(string attribute, int index) => node.GetInts(attribute) ?? Ints(index);

    /// <summary>The constant float elements of input <paramref name="index"/> (scales), or null.</summary>
    public float[]? Floats(int index) =>
        Has(index) && OpsetUpgrade.NodeEdits.ConstantValue(node.Graph, node.Inputs[index]) is { } tensor && !Onnx.ExternalDataInfo.IsExternal(tensor)
            && OpsetUpgrade.NodeEdits.IsFloat(tensor.DataType)
            ? Onnx.TensorData.ToFloats(tensor)
            : null;

    /// <summary><paramref name="axis"/> made non-negative for <paramref name="rank"/>; null when out of range.</summary>
    public static int? Axis(long axis, int rank) => axis < -rank || axis >= rank ? null : (int)(axis < 0 ? axis + rank : axis);
}
