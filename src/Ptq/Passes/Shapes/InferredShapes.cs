using Ptq.Graph;

namespace Ptq.Passes.Shapes;

/// <summary>
/// What <see cref="ShapeInference"/> derived for one graph: the shape of each value (null: rank unknown), and for
/// small integer tensors that hold shapes (Shape → Gather → Concat chains, constant Reshape targets) their elements.
/// Names not defined in the graph are looked up in the enclosing graph's table.
/// </summary>
internal sealed class ShapeTable(ShapeTable? outer)
{
    private readonly Dictionary<string, Dim[]> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dim[]> _values = new(StringComparer.Ordinal);

    /// <summary>The inferred shape of <paramref name="name"/>, or null when not even its rank is known.</summary>
    public Dim[]? Shape(string name) => _shapes.TryGetValue(name, out var shape) ? shape : outer?.Shape(name);

    /// <summary>The elements of the 0-D or 1-D integer tensor <paramref name="name"/>, or null when not tracked.</summary>
    public Dim[]? Values(string name) => _values.TryGetValue(name, out var values) ? values : outer?.Values(name);

    internal void SetShape(string name, Dim[] shape) => _shapes[name] = shape;

    internal void SetValues(string name, Dim[] values) => _values[name] = values;

    internal IEnumerable<KeyValuePair<string, Dim[]>> OwnShapes => _shapes;
}

/// <summary>The <see cref="ShapeTable"/> of a graph and of each of its subgraphs, from one <see cref="ShapeInference.Infer"/> run.</summary>
internal sealed class InferredShapes
{
    private readonly Dictionary<OnnxGraph, ShapeTable> _tables = new(ReferenceEqualityComparer.Instance);

    /// <summary>Shapes of nothing: every lookup falls back to what the model declares.</summary>
    public static InferredShapes None { get; } = new();

    /// <summary>The table of <paramref name="graph"/>, or null when the graph was not inferred (e.g. added later).</summary>
    public ShapeTable? For(OnnxGraph graph) => _tables.GetValueOrDefault(graph);

    /// <summary>
    /// The rank of <paramref name="name"/> in <paramref name="graph"/>: inferred when possible (a declared shape may be
    /// stale), else as declared; null when neither says.
    /// </summary>
    public int? Rank(OnnxGraph graph, string name) =>
        For(graph)?.Shape(name)?.Length ?? (graph.FindType(name)?.TensorType?.Shape is { } shape ? shape.Dim.Count : null);

    internal void Add(OnnxGraph graph, ShapeTable table) => _tables[graph] = table;
}
