namespace Ptq.Graph;

internal sealed partial class OnnxGraph
{
    /// <summary>True when every node comes after the producers of its inputs (some real exports are not sorted).</summary>
    public bool IsTopologicallySorted
    {
        get
        {
            var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < _nodes.Count; i++)
                position[_nodes[i]] = i;
            for (int i = 0; i < _nodes.Count; i++)
            {
                foreach (string input in Dependencies(_nodes[i]))
                    if (Producer(input) is { } producer && position[producer] > i)
                        return false;
            }
            return true;
        }
    }

    /// <summary>
    /// Nodes in a topological order that keeps the current order wherever it is already valid (stable Kahn).
    /// Implicit inputs of subgraph-holding nodes count as dependencies. Throws <see cref="GraphException"/> naming
    /// nodes on a cycle.
    /// </summary>
    public IReadOnlyList<Node> TopologicalOrder()
    {
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _nodes.Count; i++)
            position[_nodes[i]] = i;
        var pending = new int[_nodes.Count];
        // Every list exists before the loop: a node may read the output of a node listed after it (unsorted exports, cycles).
        var dependents = new List<int>[_nodes.Count];
        for (int i = 0; i < _nodes.Count; i++)
            dependents[i] = [];
        for (int i = 0; i < _nodes.Count; i++)
        {
            foreach (string input in Dependencies(_nodes[i]).Distinct(StringComparer.Ordinal))
            {
                if (Producer(input) is { } producer)
                {
                    pending[i]++;
                    dependents[position[producer]].Add(i);
                }
            }
        }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < _nodes.Count; i++)
            if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(_nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(_nodes[i]);
            foreach (int d in dependents[i])
                if (--pending[d] == 0) ready.Enqueue(d, d);
        }
        if (order.Count != _nodes.Count)
        {
            var stuck = Enumerable.Range(0, _nodes.Count).Where(i => pending[i] > 0).Take(5).Select(i => _nodes[i].ToString());
            throw new GraphException($"graph '{Name}' has a cycle: {_nodes.Count - order.Count} nodes wait on each other, among them {string.Join(", ", stuck)}");
        }
        return order;
    }

    /// <summary>Reorders the nodes topologically (see <see cref="TopologicalOrder"/>).</summary>
    public void SortTopologically()
    {
        var order = TopologicalOrder();
        _nodes.Clear();
        _nodes.AddRange(order);
        Invalidate();
    }

    /// <summary>
    /// Checks this graph and its subgraphs: every node input and graph output is produced by a node, an initializer,
    /// a graph input or an enclosing scope; no value has two producers; no cycles. Throws <see cref="GraphException"/>
    /// naming <paramref name="modelName"/>, the node and the value.
    /// </summary>
    public void CheckWellFormed(string modelName)
    {
        if (Index.DuplicateProducer is { } dup)
            throw new GraphException($"{modelName}: value '{dup.Value}' is produced by both {dup.First} and {dup.Second}");
        foreach (var node in _nodes)
        {
            foreach (string input in node.Inputs)
                if (input.Length > 0 && !IsVisible(input))
                    throw new GraphException($"{modelName}: {node} in graph '{Name}' reads '{input}', which no node, initializer or graph input produces");
            foreach (var sub in node.Subgraphs.Values)
                sub.CheckWellFormed(modelName);
        }
        foreach (var output in Outputs)
            if (!IsVisible(output.Name))
                throw new GraphException($"{modelName}: graph '{Name}' output '{output.Name}' is not produced by any node, initializer or input");
        try { TopologicalOrder(); }
        catch (GraphException ex) { throw new GraphException($"{modelName}: {ex.Message}"); }
    }

    private IEnumerable<string> Dependencies(Node node) =>
        node.Inputs.Where(i => i.Length > 0).Concat(node.ImplicitInputs());
}
