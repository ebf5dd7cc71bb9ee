using System.Runtime.InteropServices;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade;

/// <summary>Small graph queries and edits the adapters share: constant lookup, element types, attribute→input moves.</summary>
internal static class NodeEdits
{
    /// <summary>
    /// The value of <paramref name="name"/> when it is a constant: an initializer of the node's graph or an enclosing one,
    /// or the output of a tensor-valued Constant node. Null for anything computed at run time.
    /// </summary>
    public static TensorProto? ConstantValue(OnnxGraph graph, string name)
    {
        if (name.Length == 0)
            return null;
        for (var g = graph; g is not null; g = g.Parent)
        {
            if (g.Initializer(name) is { } tensor)
                return tensor;
            if (g.Producer(name) is { } producer)
                return producer.OpType == "Constant" && producer.IsStandard ? ConstantPromotion.TryToInitializer(producer.ToProto()) : null;
            if (g.Inputs.Exists(i => i.Name == name))
                return null;
        }
        return null;
    }

    /// <summary>The ONNX element type of <paramref name="name"/> when declared or evident from a Cast/Constant producer; null when unknown.</summary>
    public static int? ElementType(OnnxGraph graph, string name)
    {
        if (graph.FindType(name)?.TensorType is { ElemType: > 0 } tensorType)
            return tensorType.ElemType;
        if (graph.Producer(name) is { } producer && producer.OpType == "Cast" && producer.GetInt("to", 0) is > 0 and var to)
            return (int)to;
        return ConstantValue(graph, name)?.DataType;
    }

    /// <summary>Adds an INT64 initializer holding <paramref name="values"/> (a 1-D tensor) next to <paramref name="node"/>; returns its name.</summary>
    public static string AddInt64s(Node node, string role, ReadOnlySpan<long> values)
    {
        string name = node.Graph.UniqueName($"{node.DisplayName}_{role}");
        node.Graph.AddInitializer(TensorData.FromInt64s(name, [values.Length], values));
        return name;
    }

    /// <summary>Adds a FLOAT initializer holding <paramref name="values"/> (a 1-D tensor) next to <paramref name="node"/>; returns its name.</summary>
    public static string AddFloats(Node node, string role, ReadOnlySpan<float> values)
    {
        string name = node.Graph.UniqueName($"{node.DisplayName}_{role}");
        node.Graph.AddInitializer(TensorData.FromFloats(name, [values.Length], values));
        return name;
    }

    /// <summary>A FLOATS attribute of <paramref name="node"/>, or null when absent.</summary>
    public static float[]? GetFloats(Node node, string name) => node.Attribute(name) is { } a ? [.. a.Floats] : null;

    /// <summary>
    /// Adds a scalar initializer of element type <paramref name="dataType"/> holding <paramref name="value"/> (the
    /// attribute→input moves of Clip and Pad need the data's own type); returns its name.
    /// </summary>
    public static string AddScalar(Node node, string role, int dataType, double value) => AddTensor(node, role, dataType, [], [value]);

    /// <summary>
    /// Adds an initializer of element type <paramref name="dataType"/> and <paramref name="dims"/> holding
    /// <paramref name="values"/> converted to that type (the constants of a rewritten legacy op match its data's type); returns its name.
    /// </summary>
    public static string AddTensor(Node node, string role, int dataType, ReadOnlySpan<long> dims, ReadOnlySpan<double> values)
    {
        string name = node.Graph.UniqueName($"{node.DisplayName}_{role}");
        node.Graph.AddInitializer(Tensor(name, dataType, dims, values));
        return name;
    }

    /// <summary>A tensor of element type <paramref name="dataType"/> holding <paramref name="values"/> converted to that type.</summary>
    public static TensorProto Tensor(string name, int dataType, ReadOnlySpan<long> dims, ReadOnlySpan<double> values)
    {
        var raw = new List<byte>();
        foreach (double value in values)
        {
            raw.AddRange((DT)dataType switch
            {
                DT.Float => Bytes((float)value),
                DT.Double => Bytes(value),
                DT.Float16 => Bytes((Half)value),
                DT.Int8 => [unchecked((byte)(sbyte)value)],
                DT.Uint8 => [(byte)value],
                DT.Int16 => Bytes((short)value),
                DT.Uint16 => Bytes((ushort)value),
                DT.Int32 => Bytes((int)value),
                DT.Uint32 => Bytes((uint)value),
                DT.Int64 => Bytes((long)value),
                DT.Uint64 => Bytes((ulong)value),
                DT.Bool => [value != 0 ? (byte)1 : (byte)0],
                _ => throw new InvalidOperationException($"no constant of type {OnnxDataType.Name(dataType)} for '{name}'"),
            });
        }
        return TensorData.FromRaw(name, (DT)dataType, dims, raw.ToArray());
    }

    /// <summary>Makes input <paramref name="index"/> of <paramref name="node"/> read <paramref name="value"/>, padding skipped optional inputs with "".</summary>
    public static void SetInput(Node node, int index, string value)
    {
        var inputs = node.Inputs.ToList();
        while (inputs.Count <= index)
            inputs.Add("");
        inputs[index] = value;
        node.Graph.SetInputs(node, inputs);
    }

    /// <summary>True when <paramref name="value"/> is read by any node (subgraphs included) or is a graph output.</summary>
    public static bool IsUsed(OnnxGraph graph, string value) =>
        value.Length > 0 && (graph.Consumers(value).Count > 0 || graph.IsGraphOutput(value) ||
                             graph.Nodes.Any(n => n.ImplicitInputs().Contains(value)));

    /// <summary>True when <paramref name="dataType"/> is one of the floating-point element types.</summary>
    public static bool IsFloat(int dataType) => (DT)dataType is DT.Float or DT.Double or DT.Float16 or DT.Bfloat16;

    private static byte[] Bytes<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();
}
