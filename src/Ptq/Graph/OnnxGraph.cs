using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Graph;

/// <summary>
/// An editable view of one ONNX graph: nodes, values, initializers and value infos, with a producer/consumer index,
/// topological ordering and edit operations that keep names unique. Subgraphs of If/Loop/Scan are
/// <see cref="OnnxGraph"/>s too (see <see cref="Node.Subgraphs"/>) whose <see cref="Parent"/> is the enclosing graph.
/// Build one with <see cref="FromModel"/>; write it back with <see cref="ToProto"/>.
/// </summary>
internal sealed partial class OnnxGraph
{
    private readonly List<Node> _nodes = [];
    private readonly List<TensorProto> _initializers = [];
    private readonly Dictionary<string, TensorProto> _initializerByName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _constantInitializers = new(StringComparer.Ordinal);
    private readonly GraphProto _source;
    private GraphIndex? _index;

    internal OnnxGraph(GraphProto source, OnnxGraph? parent, Node? owner, bool promoteConstants = true)
    {
        _source = source;
        Parent = parent;
        Owner = owner;
        Name = source.Name;
        Inputs = [.. source.Input];
        Outputs = [.. source.Output];
        ValueInfos = [.. source.ValueInfo];
        foreach (var tensor in source.Initializer)
            AddInitializerCore(tensor, fromConstant: false);
        foreach (var nodeProto in source.Node)
        {
            if (promoteConstants && ConstantPromotion.TryToInitializer(nodeProto) is { } promoted && !_initializerByName.ContainsKey(promoted.Name))
            {
                AddInitializerCore(promoted, fromConstant: true);
                continue;
            }
            _nodes.Add(new Node(nodeProto, this));
        }
    }

    /// <summary>
    /// Builds the IR of <paramref name="model"/>'s main graph. Constant nodes holding a tensor become initializers
    /// (listed in <see cref="ConstantInitializers"/>) unless <paramref name="promoteConstants"/> is false.
    /// Throws <see cref="GraphException"/> for dangling inputs, duplicate producers or cycles.
    /// </summary>
    public static OnnxGraph FromModel(OnnxModel model, bool promoteConstants = true)
    {
        var graph = new OnnxGraph(model.Proto.Graph, null, null, promoteConstants);
        graph.CheckWellFormed(model.DisplayName);
        return graph;
    }

    /// <summary>Graph name.</summary>
    public string Name { get; set; }

    /// <summary>The enclosing graph for a subgraph; null for the main graph.</summary>
    public OnnxGraph? Parent { get; }

    /// <summary>The node whose attribute holds this subgraph; null for the main graph.</summary>
    public Node? Owner { get; }

    /// <summary>Graph inputs. In IR &lt; 4 models these include initializers; see <see cref="RuntimeInputs"/>.</summary>
    public List<ValueInfoProto> Inputs { get; }

    /// <summary>Graph outputs.</summary>
    public List<ValueInfoProto> Outputs { get; }

    /// <summary>Value infos (types and shapes of intermediate values) as the model gives them.</summary>
    public List<ValueInfoProto> ValueInfos { get; }

    /// <summary>Nodes in their current order.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Initializers in order (including promoted Constant values).</summary>
    public IReadOnlyList<TensorProto> Initializers => _initializers;

    /// <summary>Names of initializers that came from Constant nodes.</summary>
    public IReadOnlySet<string> ConstantInitializers => _constantInitializers;

    /// <summary>Inputs a caller must feed: graph inputs that are not initializers.</summary>
    public IEnumerable<ValueInfoProto> RuntimeInputs => Inputs.Where(i => !_initializerByName.ContainsKey(i.Name));

    /// <summary>All nested subgraphs, depth-first.</summary>
    public IEnumerable<OnnxGraph> Subgraphs() =>
        _nodes.SelectMany(n => n.Subgraphs.Values).SelectMany(g => g.Subgraphs().Prepend(g));

    /// <summary>This graph and every nested subgraph, depth-first (this graph first).</summary>
    public IEnumerable<OnnxGraph> AllGraphs() => Subgraphs().Prepend(this);

    /// <summary>
    /// The initializer <paramref name="name"/> refers to here: this graph's, or an enclosing graph's that a subgraph reads
    /// by name (an outer-scope capture). Null when the name is a computed value or an input of this graph or of a graph
    /// between this one and the initializer's (those shadow it).
    /// </summary>
    public TensorProto? VisibleInitializer(string name) => InitializerOwner(name)?.Initializer(name);

    /// <summary>The graph holding the initializer <paramref name="name"/> refers to here (see <see cref="VisibleInitializer"/>), or null.</summary>
    public OnnxGraph? InitializerOwner(string name)
    {
        for (var g = this; g is not null; g = g.Parent)
        {
            if (g._initializerByName.ContainsKey(name))
                return g;
            if (g.Inputs.Exists(i => i.Name == name) || g.Index.Producer(name) is not null)
                return null;
        }
        return null;
    }

    /// <summary>True when <paramref name="name"/> is defined in this graph itself: an input, an initializer or a node output.</summary>
    public bool Defines(string name) => DefinesLocally(name);

    /// <summary>The initializer called <paramref name="name"/> in this graph (not enclosing ones), or null.</summary>
    public TensorProto? Initializer(string name) => _initializerByName.GetValueOrDefault(name);

    /// <summary>True when <paramref name="name"/> is an initializer of this graph.</summary>
    public bool IsInitializer(string name) => _initializerByName.ContainsKey(name);

    /// <summary>True when <paramref name="name"/> is one of this graph's outputs.</summary>
    public bool IsGraphOutput(string name) => Outputs.Exists(o => o.Name == name);

    /// <summary>The node producing <paramref name="name"/> in this graph, or null (graph input, initializer, outer scope).</summary>
    public Node? Producer(string name) => Index.Producer(name);

    /// <summary>Every (node, input position) reading <paramref name="name"/> in this graph, in node order.</summary>
    public IReadOnlyList<(Node Node, int InputIndex)> Consumers(string name) => Index.Consumers(name);

    /// <summary>
    /// The declared type of <paramref name="name"/>: graph input/output or value info here or in enclosing graphs,
    /// or built from an initializer's type and dims. Null when unknown.
    /// </summary>
    public TypeProto? FindType(string name)
    {
        for (var g = this; g is not null; g = g.Parent)
        {
            var info = g.Inputs.Find(v => v.Name == name) ?? g.Outputs.Find(v => v.Name == name) ?? g.ValueInfos.Find(v => v.Name == name);
            if (info?.Type is not null)
                return info.Type;
            if (g.Initializer(name) is { } tensor)
                return TensorType(tensor);
        }
        return null;
    }

    /// <summary>Every name visible in this graph: its inputs, initializers, node outputs, and those of enclosing graphs.</summary>
    public bool IsVisible(string name)
    {
        for (var g = this; g is not null; g = g.Parent)
        {
            if (g._initializerByName.ContainsKey(name) || g.Inputs.Exists(i => i.Name == name) || g.Index.Producer(name) is not null)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Writes the graph back as a message: nodes in current order, initializers (promoted constants included),
    /// inputs, outputs and value infos. Other fields (doc string, annotations, metadata, sparse initializers) are kept.
    /// </summary>
    public GraphProto ToProto()
    {
        var proto = new GraphProto
        {
            Name = Name,
            DocString = _source.DocString,
        };
        proto.Node.AddRange(_nodes.Select(n => n.ToProto()));
        proto.Initializer.AddRange(_initializers);
        proto.SparseInitializer.AddRange(_source.SparseInitializer);
        proto.Input.AddRange(Inputs);
        proto.Output.AddRange(Outputs);
        proto.ValueInfo.AddRange(ValueInfos);
        proto.QuantizationAnnotation.AddRange(_source.QuantizationAnnotation);
        proto.MetadataProps.AddRange(_source.MetadataProps);
        return proto;
    }

    /// <summary>Names this graph reads from enclosing scopes (used by the owner node as implicit inputs).</summary>
    internal IEnumerable<string> OuterReferences()
    {
        var local = new HashSet<string>(StringComparer.Ordinal);
        local.UnionWith(Inputs.Select(i => i.Name));
        local.UnionWith(_initializerByName.Keys);
        foreach (var node in _nodes)
            local.UnionWith(node.Outputs);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            foreach (string input in node.Inputs.Concat(node.ImplicitInputs()))
                if (input.Length > 0 && !local.Contains(input) && seen.Add(input))
                    yield return input;
        }
    }

    internal GraphIndex Index => _index ??= new GraphIndex(_nodes);

    internal void Invalidate() => _index = null;

    private void AddInitializerCore(TensorProto tensor, bool fromConstant)
    {
        // A repeated initializer name is tolerated as ONNX runtimes do: the last one wins.
        if (_initializerByName.TryGetValue(tensor.Name, out var previous))
            _initializers.Remove(previous);
        _initializers.Add(tensor);
        _initializerByName[tensor.Name] = tensor;
        if (fromConstant)
            _constantInitializers.Add(tensor.Name);
    }

    private static TypeProto TensorType(TensorProto tensor)
    {
        var shape = new TensorShapeProto();
        foreach (long d in tensor.Dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = tensor.DataType, Shape = shape } };
    }
}
