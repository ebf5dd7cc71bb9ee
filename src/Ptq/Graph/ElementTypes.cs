using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Graph;

/// <summary>
/// Element types of the values inside If/Loop/Scan bodies, which ONNX Runtime cannot report (only graph outputs can be
/// fetched): declared types where the model gives them, else propagated through the ops whose output type follows from
/// their inputs or attributes. Conservative: a value whose type is not certain is left out.
/// </summary>
internal static class ElementTypes
{
    /// <summary>The element type (TensorProto.DataType) of every value of <paramref name="graph"/> and its bodies that can be told.</summary>
    public static Dictionary<string, int> Infer(OnnxGraph graph)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        InferGraph(graph, types);
        return types;
    }

    private static void InferGraph(OnnxGraph graph, Dictionary<string, int> types)
    {
        foreach (var value in graph.Inputs.Concat(graph.ValueInfos).Concat(graph.Outputs))
            if (value.Type?.TensorType is { ElemType: > 0 } t)
                types.TryAdd(value.Name, t.ElemType);
        foreach (var tensor in graph.Initializers)
            types[tensor.Name] = tensor.DataType;
        IReadOnlyList<Node> order;
        try { order = graph.TopologicalOrder(); }
        catch (GraphException) { return; }
        foreach (var node in order)
        {
            foreach (var body in node.Subgraphs.Values)
                InferGraph(body, types);
            for (int i = 0; i < node.Outputs.Count; i++)
                if (node.Outputs[i].Length > 0 && !types.ContainsKey(node.Outputs[i]) && OutputType(node, i, types) is int type)
                    types[node.Outputs[i]] = type;
        }
    }

    private static int? OutputType(Node node, int output, Dictionary<string, int> types)
    {
        int? Input(int i) => i < node.Inputs.Count && types.TryGetValue(node.Inputs[i], out int t) ? t : null;
        int? BodyOutput(string attribute, int i) =>
            node.Subgraphs.TryGetValue(attribute, out var body) && i < body.Outputs.Count && types.TryGetValue(body.Outputs[i].Name, out int t) ? t : null;
        if (!node.IsStandard)
            return null;
        switch (node.OpType)
        {
            case "OneHot":
                return Input(2);
            case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" or "NonMaxSuppression":
                return (int)DT.Int64;
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf":
                return (int)DT.Bool;
            case "Cast":
                return node.Attribute("to") is { HasI: true } to ? (int)to.I : null;
            case "CastLike":
                return Input(1);
            case "Constant":
                return node.Attributes.FirstOrDefault() switch
                {
                    { Name: "value", T: { } t } => t.DataType,
                    { Name: "value_float" or "value_floats" } => (int)DT.Float,
                    { Name: "value_int" or "value_ints" } => (int)DT.Int64,
                    _ => null,
                };
            case "ConstantOfShape":
                return node.Attribute("value")?.T?.DataType ?? (int)DT.Float;
            case "If":
                return BodyOutput("then_branch", output) ?? BodyOutput("else_branch", output);
            case "Loop":
                return BodyOutput("body", output + 1); // body outputs: condition, then carried values and scan outputs
            case "Scan":
                return BodyOutput("body", output);
            case "Where":
                return Input(1);
            case "DequantizeLinear":
                return Input(1);
            case "QuantizeLinear":
                return Input(2) ?? (int)DT.Uint8;
            case "MatMulInteger" or "ConvInteger":
                return (int)DT.Int32;
            case "DynamicQuantizeLinear":
                return output == 1 ? (int)DT.Float : (int)DT.Uint8;
            case "TopK" or "MaxPool" when output == 1:
                return (int)DT.Int64;
            case "Dropout" when output == 1:
                return (int)DT.Bool;
            case "Split" or "LSTM" or "GRU" or "RNN" or "BatchNormalization" or "TopK" or "MaxPool" or "Dropout":
                return Input(0);
        }
        // Every other standard op with a dtype attribute says its own type; the rest (arithmetic, activations, Conv, data
        // movement) keep their first input's type. Multi-output ops other than the ones above are left unknown.
        if (node.Attribute("dtype") is not null || node.Attribute("to") is not null || output > 0)
            return null;
        return Input(0);
    }
}
