using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Inspection;

/// <summary>One walk over a graph and its nested graphs, counting nodes, operators and stored tensors.</summary>
internal sealed class GraphCensus
{
    private readonly Dictionary<string, (int Main, int Sub, bool Quantizable)> _ops = new(StringComparer.Ordinal);
    private readonly List<SubgraphReport> _subgraphs = [];
    private int _nodes, _quantizable, _constantWeights;

    public TensorTally Initializers { get; } = new();

    public TensorTally ConstantWeights { get; } = new();

    /// <summary>Op types of nodes outside the standard domains, with their counts.</summary>
    public SortedDictionary<string, int> CustomDomainOps { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<SubgraphReport> Subgraphs => _subgraphs;

    public static GraphCensus Take(GraphProto main)
    {
        var census = new GraphCensus();
        census.Visit(main, depth: 0);
        return census;
    }

    public IReadOnlyList<OpCount> Operators() =>
        [.. _ops.Select(kv => new OpCount(kv.Key, kv.Value.Main, kv.Value.Sub, kv.Value.Quantizable))
            .OrderByDescending(o => o.Total).ThenBy(o => o.OpType, StringComparer.Ordinal)];

    public NodeTotals NodeTotals() =>
        new(_nodes, _quantizable, _nodes - _quantizable - _constantWeights, _constantWeights);

    private void Visit(GraphProto graph, int depth)
    {
        foreach (var tensor in graph.Initializer)
            Initializers.Add(tensor);
        foreach (var node in graph.Node)
        {
            _nodes++;
            bool quantizable = ModelInspector.IsQuantizable(node);
            string op = ModelInspector.QualifiedOpType(node.Domain, node.OpType);
            (int Main, int Sub, bool _) entry = _ops.GetValueOrDefault(op, (0, 0, quantizable));
            _ops[op] = depth == 0 ? (entry.Main + 1, entry.Sub, quantizable) : (entry.Main, entry.Sub + 1, quantizable);
            if (quantizable)
                _quantizable++;
            if (!InspectionWarnings.IsStandardDomain(node.Domain))
                CustomDomainOps[op] = CustomDomainOps.GetValueOrDefault(op) + 1;
            if (ConstantPromotion.TryToInitializer(node) is { } weight)
            {
                _constantWeights++;
                ConstantWeights.Add(weight);
            }
            foreach (var attribute in node.Attribute)
            {
                foreach (var sub in attribute.G is null ? attribute.Graphs : attribute.Graphs.Prepend(attribute.G))
                {
                    _subgraphs.Add(Describe(sub, node, attribute.Name, depth + 1));
                    Visit(sub, depth + 1);
                }
            }
        }
    }

    private static SubgraphReport Describe(GraphProto sub, NodeProto owner, string attribute, int depth)
    {
        var ops = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in sub.Node)
        {
            string op = ModelInspector.QualifiedOpType(node.Domain, node.OpType);
            ops[op] = ops.GetValueOrDefault(op) + 1;
        }
        var ordered = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var kv in ops.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            ordered.Add(kv.Key, kv.Value);
        string ownerName = string.IsNullOrEmpty(owner.Name) ? $"{owner.OpType}->{owner.Output.FirstOrDefault()}" : owner.Name;
        return new SubgraphReport(sub.Name, ownerName, owner.OpType, attribute, depth, sub.Node.Count, ordered);
    }
}

/// <summary>Counts tensors, elements and bytes per element type.</summary>
internal sealed class TensorTally
{
    private readonly SortedDictionary<int, (int Tensors, long Elements, long Bytes)> _byType = [];

    /// <summary>Tensors whose data lives in external files.</summary>
    public int External { get; private set; }

    public void Add(TensorProto tensor)
    {
        long elements = TensorData.ElementCount(tensor);
        long bytes = tensor.DataType == (int)TensorProto.Types.DataType.String
            ? tensor.StringData.Sum(s => (long)s.Length)
            : OnnxDataType.RawByteCount(tensor.DataType, elements, tensor.Name);
        var entry = _byType.GetValueOrDefault(tensor.DataType);
        _byType[tensor.DataType] = (entry.Tensors + 1, entry.Elements + elements, entry.Bytes + bytes);
        if (ExternalDataInfo.IsExternal(tensor))
            External++;
    }

    public ParameterTotals ToTotals() =>
        _byType.Count == 0
            ? ParameterTotals.Empty
            : new([.. _byType.Select(kv => new DataTypeTotal(OnnxDataType.Name(kv.Key), kv.Value.Tensors, kv.Value.Elements, kv.Value.Bytes))
                .OrderByDescending(t => t.Elements).ThenBy(t => t.DataType, StringComparer.Ordinal)]);
}
