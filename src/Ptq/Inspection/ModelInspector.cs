using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Quantization;

namespace Ptq.Inspection;

/// <summary>
/// Reads a model without changing it and reports what matters before quantizing it: versions, signature, operator
/// histogram, parameters by storage and type, subgraphs, what Ptq can quantize, and warnings.
/// </summary>
internal static class ModelInspector
{
    /// <summary>The name reports use for the default ONNX domain (stored as "" or "ai.onnx" in files).</summary>
    public const string DefaultDomain = "ai.onnx";

    /// <summary>The lowest default-domain opset with per-channel QuantizeLinear/DequantizeLinear (the axis attribute).</summary>
    public const long PerChannelMinimumOpset = 13;

    /// <summary>
    /// Inspects <paramref name="model"/>: the main graph and every nested graph, tensors counted by their dims
    /// (external data is not read). Throws <see cref="GraphException"/> when a graph has a cycle.
    /// </summary>
    public static ModelReport Inspect(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = model.Proto;
        var census = GraphCensus.Take(proto.Graph);
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var runtimeInputs = graph.RuntimeInputs.ToList();

        return new ModelReport(
            Source: model.DisplayName,
            IrVersion: proto.IrVersion,
            OpsetImports: OpsetImports(proto),
            ProducerName: proto.ProducerName,
            ProducerVersion: proto.ProducerVersion,
            Inputs: [.. runtimeInputs.Select(Describe)],
            Outputs: [.. proto.Graph.Output.Select(Describe)],
            Operators: census.Operators(),
            Nodes: census.NodeTotals(),
            Initializers: census.Initializers.ToTotals(),
            ConstantWeights: census.ConstantWeights.ToTotals(),
            Subgraphs: census.Subgraphs,
            Warnings: InspectionWarnings.Collect(model, graph, census));
    }

    /// <summary>"Conv" for the default domain, "domain:OpType" otherwise.</summary>
    public static string QualifiedOpType(string domain, string opType) =>
        IsDefaultDomain(domain) ? opType : domain + ":" + opType;

    internal static bool IsDefaultDomain(string domain) => domain is "" or DefaultDomain;

    internal static bool IsQuantizable(NodeProto node) => QuantizableOps.Contains(node.Domain, node.OpType);

    private static SortedDictionary<string, long> OpsetImports(ModelProto proto)
    {
        var imports = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var opset in proto.OpsetImport)
        {
            string domain = IsDefaultDomain(opset.Domain) ? DefaultDomain : opset.Domain;
            imports[domain] = Math.Max(opset.Version, imports.GetValueOrDefault(domain));
        }
        return imports;
    }

    private static ValueReport Describe(ValueInfoProto value)
    {
        var type = value.Type;
        if (type is null)
            return new ValueReport(value.Name, "?", null);
        return type.ValueCase switch
        {
            TypeProto.ValueOneofCase.TensorType =>
                new ValueReport(value.Name, OnnxDataType.Name(type.TensorType.ElemType), Dims(type.TensorType.Shape)),
            TypeProto.ValueOneofCase.SparseTensorType =>
                new ValueReport(value.Name, "sparse " + OnnxDataType.Name(type.SparseTensorType.ElemType), Dims(type.SparseTensorType.Shape)),
            TypeProto.ValueOneofCase.SequenceType => new ValueReport(value.Name, "sequence", null),
            TypeProto.ValueOneofCase.MapType => new ValueReport(value.Name, "map", null),
            TypeProto.ValueOneofCase.OptionalType => new ValueReport(value.Name, "optional", null),
            _ => new ValueReport(value.Name, "?", null),
        };
    }

    private static string[]? Dims(TensorShapeProto? shape) =>
        shape is null
            ? null
            : [.. shape.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => d.DimParam,
                _ => "?",
            })];
}
