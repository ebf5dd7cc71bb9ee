using Ptq.Onnx.Proto;

namespace Ptq.Graph;

internal sealed partial class OnnxGraph
{
    /// <summary>
    /// A name starting with <paramref name="hint"/> that no value, node or initializer of this graph, its enclosing
    /// graphs or its subgraphs uses yet. The name is reserved, so consecutive calls never return the same name.
    /// </summary>
    public string UniqueName(string hint)
    {
        var root = this;
        while (root.Parent is not null)
            root = root.Parent;
        var used = root.UsedNames();
        if (used.Add(hint))
            return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (used.Add(candidate))
                return candidate;
        }
    }

    /// <summary>
    /// Adds a node. It goes right after the last producer of its inputs when <paramref name="position"/> is null
    /// (so the order stays topological), else at <paramref name="position"/>. Throws <see cref="GraphException"/> if an
    /// output name is already produced.
    /// </summary>
    public Node AddNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string? name = null,
        IEnumerable<AttributeProto>? attributes = null, string domain = "", int? position = null)
    {
        var proto = new NodeProto { OpType = opType, Domain = domain, Name = name ?? UniqueName(opType) };
        proto.Input.AddRange(inputs);
        proto.Output.AddRange(outputs);
        if (attributes is not null)
            proto.Attribute.AddRange(attributes);
        foreach (string output in proto.Output)
            if (output.Length > 0 && (Producer(output) is not null || IsInitializer(output)))
                throw new GraphException($"cannot add {opType} '{proto.Name}': value '{output}' already exists in graph '{Name}'");
        var node = new Node(proto, this);
        int at = position ?? InsertionPoint(node);
        _nodes.Insert(at, node);
        ReserveNames(node);
        Invalidate();
        return node;
    }

    /// <summary>
    /// Puts a one-input/one-output node on the edge that carries <paramref name="value"/>: the node reads
    /// <paramref name="value"/> and writes a new value, and the chosen consumers (all when <paramref name="consumers"/>
    /// is null) read the new value instead. Graph outputs keep their name. Returns the new node.
    /// </summary>
    public Node InsertOnEdge(string value, string opType, IEnumerable<string>? extraInputs = null,
        IEnumerable<AttributeProto>? attributes = null, IEnumerable<(Node Node, int InputIndex)>? consumers = null, string? outputHint = null)
    {
        var targets = (consumers ?? Consumers(value)).ToList();
        string output = UniqueName(outputHint ?? $"{value}_{opType}");
        var node = AddNode(opType, extraInputs is null ? [value] : extraInputs.Prepend(value), [output], attributes: attributes);
        foreach (var (consumer, index) in targets)
            ReplaceInput(consumer, index, output);
        return node;
    }

    /// <summary>Makes input <paramref name="index"/> of <paramref name="node"/> read <paramref name="value"/>.</summary>
    public void ReplaceInput(Node node, int index, string value)
    {
        RequireOwn(node);
        if (index == node.InputList.Count)
            node.InputList.Add(value);
        else
            node.InputList[index] = value;
        Invalidate();
    }

    /// <summary>Replaces the whole input list of <paramref name="node"/>.</summary>
    public void SetInputs(Node node, IEnumerable<string> inputs)
    {
        RequireOwn(node);
        node.InputList.Clear();
        node.InputList.AddRange(inputs);
        Invalidate();
    }

    /// <summary>Renames output <paramref name="index"/> of <paramref name="node"/> (consumers are not rewired).</summary>
    public void SetOutput(Node node, int index, string value)
    {
        RequireOwn(node);
        node.OutputList[index] = value;
        Invalidate();
    }

    /// <summary>Replaces the whole output list of <paramref name="node"/> (e.g. to drop trailing optional outputs; consumers are not rewired).</summary>
    public void SetOutputs(Node node, IEnumerable<string> outputs)
    {
        RequireOwn(node);
        var list = outputs.ToList();
        node.OutputList.Clear();
        node.OutputList.AddRange(list);
        Invalidate();
    }

    /// <summary>Makes every consumer of <paramref name="oldValue"/> in this graph and its subgraphs read <paramref name="newValue"/>, graph outputs included.</summary>
    public void ReplaceAllUses(string oldValue, string newValue)
    {
        foreach (var node in _nodes)
        {
            for (int i = 0; i < node.InputList.Count; i++)
                if (node.InputList[i] == oldValue)
                    node.InputList[i] = newValue;
            foreach (var sub in node.Subgraphs.Values)
                if (!sub.DefinesLocally(oldValue))
                    sub.ReplaceAllUses(oldValue, newValue);
        }
        foreach (var output in Outputs)
            if (output.Name == oldValue)
                output.Name = newValue;
        Invalidate();
    }

    /// <summary>Removes <paramref name="node"/>; consumers of its outputs must have been rewired first.</summary>
    public void RemoveNode(Node node)
    {
        RequireOwn(node);
        _nodes.Remove(node);
        Invalidate();
    }

    /// <summary>Adds an initializer; throws <see cref="GraphException"/> when its name is taken.</summary>
    public void AddInitializer(TensorProto tensor)
    {
        if (IsInitializer(tensor.Name) || Producer(tensor.Name) is not null || Inputs.Exists(i => i.Name == tensor.Name))
            throw new GraphException($"cannot add initializer '{tensor.Name}' to graph '{Name}': the name is taken");
        AddInitializerCore(tensor, fromConstant: false);
        var root = this;
        while (root.Parent is not null)
            root = root.Parent;
        root._usedNames?.Add(tensor.Name);
    }

    /// <summary>Replaces the contents of an existing initializer (same name).</summary>
    public void ReplaceInitializer(TensorProto tensor)
    {
        if (!IsInitializer(tensor.Name))
            throw new GraphException($"graph '{Name}' has no initializer '{tensor.Name}' to replace");
        AddInitializerCore(tensor, fromConstant: _constantInitializers.Contains(tensor.Name));
    }

    /// <summary>Removes initializers (and their IR&lt;4 graph inputs) that nothing reads any more; returns how many.</summary>
    public int RemoveUnusedInitializers()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _nodes)
            used.UnionWith(node.Inputs.Concat(node.ImplicitInputs()));
        used.UnionWith(Outputs.Select(o => o.Name));
        var unused = _initializers.Where(t => !used.Contains(t.Name)).ToList();
        foreach (var tensor in unused)
        {
            _initializers.Remove(tensor);
            _initializerByName.Remove(tensor.Name);
            _constantInitializers.Remove(tensor.Name);
            Inputs.RemoveAll(i => i.Name == tensor.Name);
        }
        return unused.Count;
    }

    private HashSet<string>? _usedNames;

    private HashSet<string> UsedNames()
    {
        if (_usedNames is not null)
            return _usedNames;
        _usedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in Subgraphs().Prepend(this))
        {
            _usedNames.UnionWith(g.Inputs.Select(v => v.Name));
            _usedNames.UnionWith(g.Outputs.Select(v => v.Name));
            _usedNames.UnionWith(g.ValueInfos.Select(v => v.Name));
            _usedNames.UnionWith(g._initializerByName.Keys);
            foreach (var node in g._nodes)
            {
                _usedNames.Add(node.Name);
                _usedNames.UnionWith(node.Outputs);
                _usedNames.UnionWith(node.Inputs);
            }
        }
        return _usedNames;
    }

    private void ReserveNames(Node node)
    {
        var root = this;
        while (root.Parent is not null)
            root = root.Parent;
        var used = root.UsedNames();
        used.Add(node.Name);
        used.UnionWith(node.Outputs);
    }

    private bool DefinesLocally(string name) =>
        IsInitializer(name) || Inputs.Exists(i => i.Name == name) || Producer(name) is not null;

    private int InsertionPoint(Node node)
    {
        int after = -1;
        foreach (string input in node.Inputs)
        {
            if (input.Length > 0 && Producer(input) is { } producer)
                after = Math.Max(after, _nodes.IndexOf(producer));
        }
        return after + 1;
    }

    private void RequireOwn(Node node)
    {
        if (!ReferenceEquals(node.Graph, this))
            throw new ArgumentException($"{node} belongs to graph '{node.Graph.Name}', not '{Name}'", nameof(node));
    }
}
