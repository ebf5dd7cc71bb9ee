using Google.Protobuf;
using Ptq.Onnx.Proto;

namespace Ptq.Graph;

/// <summary>
/// One operator in an <see cref="OnnxGraph"/>. Inputs and outputs are value names ("" marks an omitted optional input).
/// Change wiring through the graph's edit methods so its producer/consumer index stays right.
/// </summary>
internal sealed class Node
{
    internal readonly List<string> InputList;
    internal readonly List<string> OutputList;
    private readonly Dictionary<string, OnnxGraph> _subgraphs = new(StringComparer.Ordinal);

    internal Node(NodeProto source, OnnxGraph owner)
    {
        Source = source;
        Graph = owner;
        Name = source.Name;
        OpType = source.OpType;
        Domain = source.Domain;
        InputList = [.. source.Input];
        OutputList = [.. source.Output];
        Attributes = [.. source.Attribute];
        foreach (var attribute in Attributes)
        {
            if (attribute.G is not null)
                _subgraphs[attribute.Name] = new OnnxGraph(attribute.G, owner, this);
        }
    }

    /// <summary>The graph this node belongs to.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>The message the node was read from (doc string and metadata come from here on write).</summary>
    public NodeProto Source { get; }

    /// <summary>Node name (may be empty in some exports; <see cref="DisplayName"/> is never empty).</summary>
    public string Name { get; set; }

    /// <summary>Operator type, e.g. "Conv".</summary>
    public string OpType { get; set; }

    /// <summary>Operator domain; "" is the default ONNX domain.</summary>
    public string Domain { get; set; }

    /// <summary>Input value names in order.</summary>
    public IReadOnlyList<string> Inputs => InputList;

    /// <summary>Output value names in order.</summary>
    public IReadOnlyList<string> Outputs => OutputList;

    /// <summary>Attributes. Graph-valued ones are written back from <see cref="Subgraphs"/>.</summary>
    public List<AttributeProto> Attributes { get; }

    /// <summary>Subgraphs held in graph-valued attributes (If branches, Loop/Scan bodies), by attribute name.</summary>
    public IReadOnlyDictionary<string, OnnxGraph> Subgraphs => _subgraphs;

    /// <summary>True when the node is in the default ONNX domain.</summary>
    public bool IsStandard => Domain is "" or "ai.onnx";

    /// <summary>Name for messages: the node name, or op type and first output when unnamed.</summary>
    public string DisplayName => string.IsNullOrEmpty(Name) ? $"{OpType}->{OutputList.FirstOrDefault()}" : Name;

    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    public AttributeProto? Attribute(string name) => Attributes.Find(a => a.Name == name);

    /// <summary>An INT attribute, or <paramref name="fallback"/> when absent.</summary>
    public long GetInt(string name, long fallback) => Attribute(name) is { HasI: true } a ? a.I : fallback;

    /// <summary>A FLOAT attribute, or <paramref name="fallback"/> when absent.</summary>
    public float GetFloat(string name, float fallback) => Attribute(name) is { HasF: true } a ? a.F : fallback;

    /// <summary>An INTS attribute, or null when absent.</summary>
    public long[]? GetInts(string name) => Attribute(name) is { } a ? [.. a.Ints] : null;

    /// <summary>A STRING attribute, or <paramref name="fallback"/> when absent.</summary>
    public string GetString(string name, string fallback) => Attribute(name) is { HasS: true } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>Adds or replaces an attribute (by name), keeping the position of a replaced one.</summary>
    public void SetAttribute(AttributeProto attribute)
    {
        int index = Attributes.FindIndex(a => a.Name == attribute.Name);
        if (index >= 0) Attributes[index] = attribute;
        else Attributes.Add(attribute);
    }

    /// <summary>Removes the attribute called <paramref name="name"/>; returns whether it existed.</summary>
    public bool RemoveAttribute(string name) => Attributes.RemoveAll(a => a.Name == name) > 0;

    /// <summary>Builds an INT attribute.</summary>
    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>Builds a FLOAT attribute.</summary>
    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>Builds an INTS attribute.</summary>
    public static AttributeProto IntsAttribute(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>Builds a STRING attribute.</summary>
    public static AttributeProto StringAttribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>Names this node reads from enclosing scopes through its subgraphs (implicit inputs).</summary>
    public IEnumerable<string> ImplicitInputs()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sub in _subgraphs.Values)
            foreach (string name in sub.OuterReferences())
                if (seen.Add(name))
                    yield return name;
    }

    internal NodeProto ToProto()
    {
        var proto = new NodeProto
        {
            Name = Name,
            OpType = OpType,
            Domain = Domain,
            DocString = Source.DocString,
            Overload = Source.Overload,
        };
        proto.MetadataProps.AddRange(Source.MetadataProps);
        proto.DeviceConfigurations.AddRange(Source.DeviceConfigurations);
        proto.Input.AddRange(InputList);
        proto.Output.AddRange(OutputList);
        foreach (var attribute in Attributes)
        {
            if (_subgraphs.TryGetValue(attribute.Name, out var sub) && attribute.G is not null)
            {
                var copy = attribute.Clone();
                copy.G = sub.ToProto();
                proto.Attribute.Add(copy);
            }
            else
            {
                proto.Attribute.Add(attribute);
            }
        }
        return proto;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{OpType} '{DisplayName}'";
}
