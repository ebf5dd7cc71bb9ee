using System.Globalization;
using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Inspection;

/// <summary>Derives the <see cref="InspectionWarning"/>s of a model from its census and graph IR.</summary>
internal static class InspectionWarnings
{
    /// <summary>Domains defined by the ONNX standard; everything else is custom (a runtime's contrib ops or the exporter's own).</summary>
    public static bool IsStandardDomain(string domain) =>
        domain is "" or "ai.onnx" or "ai.onnx.ml" or "ai.onnx.preview.training";

    public static IReadOnlyList<InspectionWarning> Collect(OnnxModel model, OnnxGraph graph, GraphCensus census)
    {
        var warnings = new List<InspectionWarning>();
        foreach (var g in graph.Subgraphs().Prepend(graph))
        {
            if (!g.IsTopologicallySorted)
                warnings.Add(new(InspectionWarningKind.NotTopologicallySorted,
                    $"nodes of {Describe(g)} are not in topological order; Ptq sorts them before quantizing"));
        }

        if (census.CustomDomainOps.Count > 0)
        {
            string ops = string.Join(", ", census.CustomDomainOps.Select(kv => $"{kv.Key}: {kv.Value}"));
            warnings.Add(new(InspectionWarningKind.CustomDomain,
                $"{census.CustomDomainOps.Values.Sum()} nodes use operator domains outside the ONNX standard ({ops}); Ptq leaves them in float and the runtime must implement them"));
        }

        long opset = model.DefaultOpset;
        if (opset < ModelInspector.PerChannelMinimumOpset)
            warnings.Add(new(InspectionWarningKind.OldOpset,
                $"default-domain opset is {opset}, below {ModelInspector.PerChannelMinimumOpset} which per-channel quantization (QuantizeLinear/DequantizeLinear with axis) needs; Ptq will upgrade the model to opset {ModelInspector.PerChannelMinimumOpset} before quantizing"));

        var constants = census.ConstantWeights.ToTotals();
        if (constants.Tensors > 0)
            warnings.Add(new(InspectionWarningKind.ConstantWeights,
                $"{constants.Tensors} Constant nodes hold {constants.Elements.ToString("N0", CultureInfo.InvariantCulture)} parameters ({constants.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes); Ptq will promote them to initializers so their weights can be quantized"));

        int external = census.Initializers.External + census.ConstantWeights.External;
        if (external > 0)
            warnings.Add(new(InspectionWarningKind.ExternalData,
                $"{external} tensors keep their data in external files next to the model; keep those files with it; Ptq reads them on demand"));
        return warnings;
    }

    private static string Describe(OnnxGraph g) =>
        g.Owner is null ? "the main graph" : $"subgraph '{g.Name}' of {g.Owner}";
}
