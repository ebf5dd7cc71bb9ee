using Google.Protobuf;
using Ptq.Onnx.Proto;

namespace Ptq.Graph;

/// <summary>How a value inside a body reaches the main graph's outputs.</summary>
/// <param name="Output">The main-graph value that carries it.</param>
/// <param name="StackedAxes">Leading axes Loop/Scan bodies on the way added (one per loop level: the iterations stacked).</param>
internal sealed record RoutedValue(string Output, int StackedAxes);

/// <summary>
/// Routes values computed inside If branches and Loop/Scan bodies out to the main graph, so that ONNX Runtime, which
/// only returns graph outputs, can hand them to calibration: each body on the way gets the value as an extra output (an
/// If's other branch outputs an empty placeholder of the same element type, so an untaken branch yields an empty tensor;
/// a Loop or Scan stacks the value of every iteration as an extra scan output), and the owning node an extra output.
/// The model's own control flow still decides what runs, so the values seen are the ones the model computes.
/// </summary>
internal static class SubgraphOutputs
{
    /// <summary>
    /// Routes <paramref name="value"/>, defined in <paramref name="body"/> (a subgraph of the graph being edited), to the
    /// main graph. <paramref name="elementType"/> is its TensorProto data type (needed for an If's placeholder). Throws
    /// <see cref="GraphException"/> when a body on the way belongs to an op other than If, Loop and Scan.
    /// </summary>
    public static RoutedValue Route(OnnxGraph body, string value, int elementType)
    {
        int stacked = 0;
        var graph = body;
        string name = value;
        while (graph.Parent is { } parent && graph.Owner is { } owner)
        {
            // An Identity in the body gives the routed copy its own name: a value may already be an output, or a body input.
            string tap = graph.UniqueName(value + "_tap");
            graph.AddNode("Identity", [name], [tap], name: graph.UniqueName(value + "_Tap"));
            switch (owner.OpType)
            {
                case "If":
                    foreach (var branch in owner.Subgraphs.Values)
                    {
                        if (ReferenceEquals(branch, graph))
                        {
                            branch.Outputs.Add(Value(tap, elementType));
                            continue;
                        }
                        string placeholder = branch.UniqueName(value + "_not_run");
                        branch.AddInitializer(new TensorProto { Name = placeholder, DataType = elementType, Dims = { 0 }, RawData = ByteString.Empty });
                        branch.Outputs.Add(Value(placeholder, elementType));
                    }
                    break;
                case "Loop" or "Scan":
                    graph.Outputs.Add(Value(tap, elementType)); // a new last scan output: the iterations' values stacked
                    foreach (string list in (string[])["scan_output_axes", "scan_output_directions"])
                        if (owner.GetInts(list) is { } values)
                            owner.SetAttribute(Node.IntsAttribute(list, values.Append(0)));
                    stacked++;
                    break;
                default:
                    throw new GraphException($"cannot route '{value}' out of the body of {owner}: only If, Loop and Scan bodies are supported");
            }
            string outer = parent.UniqueName(value + "_from_" + owner.OpType);
            parent.SetOutputs(owner, owner.Outputs.Append(outer));
            name = outer;
            graph = parent;
        }
        return new RoutedValue(name, stacked);
    }

    /// <summary>The body (not the main graph) of <paramref name="main"/> that defines <paramref name="value"/>, or null.</summary>
    public static OnnxGraph? DefiningBody(OnnxGraph main, string value) => main.Subgraphs().FirstOrDefault(g => g.Defines(value));

    private static ValueInfoProto Value(string name, int elementType) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType } } };
}
