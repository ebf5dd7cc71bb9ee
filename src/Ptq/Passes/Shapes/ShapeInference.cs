using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.Shapes;

/// <summary>
/// Static shape inference over the ops CNN and transformer exports are made of (<see cref="ShapeRules"/>), with symbolic
/// dims so a dynamic batch carries through Conv, Reshape(-1) and Gemm. It reads only the graph inputs' declared shapes
/// and the constants, never the value infos of computed tensors, so a stale declaration cannot leak into the result.
/// Where an op is not covered its outputs get the declared rank with unknown dims (or no shape at all).
/// </summary>
internal static class ShapeInference
{
    // Integer tensors up to this many elements are tracked by value (shapes, axes, Reshape targets).
    private const int MaxTrackedValues = 64;

    /// <summary>Infers every value of <paramref name="graph"/> and its subgraphs at default-domain <paramref name="opset"/>.</summary>
    public static InferredShapes Infer(OnnxGraph graph, long opset, ExternalDataReader? external = null)
    {
        var result = new InferredShapes();
        InferGraph(graph, null, opset, external, result);
        return result;
    }

    private static void InferGraph(OnnxGraph graph, ShapeTable? outer, long opset, ExternalDataReader? external, InferredShapes result)
    {
        var table = new ShapeTable(outer);
        result.Add(graph, table);
        foreach (var tensor in graph.Initializers)
            AddConstant(table, tensor.Name, tensor, external);
        foreach (var input in graph.RuntimeInputs)
            if (Declared(input.Type, input.Name) is { } shape)
                table.SetShape(input.Name, shape);

        IReadOnlyList<Node> order;
        try
        {
            order = graph.TopologicalOrder();
        }
        catch (GraphException)
        {
            return; // a cyclic graph is refused elsewhere with a better message
        }
        foreach (var node in order)
        {
            foreach (var subgraph in node.Subgraphs.Values)
                InferGraph(subgraph, table, opset, external, result);
            if (node.OpType == "Constant" && node.IsStandard && ConstantPromotion.TryToInitializer(node.ToProto()) is { } constant)
            {
                AddConstant(table, node.Outputs[0], constant, external);
                continue;
            }
            var context = new NodeContext(node, table, opset);
            var shapes = node.IsStandard ? ShapeRules.Infer(context) : null;
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                string output = node.Outputs[i];
                if (output.Length == 0)
                    continue;
                var shape = shapes is not null && i < shapes.Length ? shapes[i] : null;
                // An op Ptq cannot infer keeps the declared rank, not the declared sizes, which may be stale.
                shape ??= Declared(graph.FindType(output), output)?.Select(_ => Dim.Unknown).ToArray();
                if (shape is not null)
                    table.SetShape(output, shape);
            }
            if (node.IsStandard && node.Outputs.Count > 0 && ShapeRules.Values(context) is { Length: <= MaxTrackedValues } values)
                table.SetValues(node.Outputs[0], values);
        }
    }

    private static void AddConstant(ShapeTable table, string name, TensorProto tensor, ExternalDataReader? external)
    {
        if (tensor.Dims.Any(d => d < 0))
            return; // malformed; ModelIO's validation names it
        table.SetShape(name, [.. tensor.Dims.Select(Dim.Of)]);
        if ((DT)tensor.DataType is DT.Int64 or DT.Int32 && tensor.Dims.Count <= 1 && !ExternalDataInfo.IsExternal(tensor)
            && TensorData.ElementCount(tensor) <= MaxTrackedValues)
            table.SetValues(name, [.. TensorData.ToInt64s(tensor, external).Select(Dim.Of)]);
    }

    /// <summary>A declared tensor shape as dims: dim_value → number, dim_param → its symbol, neither → a symbol of its own.</summary>
    private static Dim[]? Declared(TypeProto? type, string name) =>
        type?.TensorType?.Shape is { } shape
            ? [.. shape.Dim.Select((d, axis) => d.HasDimValue ? Dim.Of(d.DimValue)
                : d.HasDimParam && d.DimParam.Length > 0 ? Dim.Named(d.DimParam)
                : Dim.Named($"{Dim.AnonymousPrefix}{name}:{axis}"))]
            : null;
}
