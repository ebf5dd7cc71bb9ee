namespace Ptq.Graph;

/// <summary>Producer and consumer lookup for one graph; rebuilt lazily after any edit.</summary>
internal sealed class GraphIndex
{
    private readonly Dictionary<string, Node> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(Node, int)>> _consumers = new(StringComparer.Ordinal);

    public GraphIndex(IReadOnlyList<Node> nodes)
    {
        foreach (var node in nodes)
        {
            foreach (string output in node.Outputs)
            {
                if (output.Length == 0)
                    continue;
                if (!_producers.TryAdd(output, node))
                    DuplicateProducer ??= (output, _producers[output], node);
            }
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                string input = node.Inputs[i];
                if (input.Length == 0)
                    continue;
                if (!_consumers.TryGetValue(input, out var list))
                    _consumers[input] = list = [];
                list.Add((node, i));
            }
        }
    }

    /// <summary>The first value found with two producers, if any (a malformed graph).</summary>
    public (string Value, Node First, Node Second)? DuplicateProducer { get; }

    public Node? Producer(string name) => _producers.GetValueOrDefault(name);

    public IReadOnlyList<(Node Node, int InputIndex)> Consumers(string name) =>
        _consumers.TryGetValue(name, out var list) ? list : [];

    public IEnumerable<string> ProducedNames => _producers.Keys;
}
