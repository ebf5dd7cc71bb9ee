using System.Globalization;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Passes.Shapes;

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

        if (model.DefaultOpset < ModelInspector.PerChannelMinimumOpset)
            warnings.Add(OpsetWarning(model, graph));

        var stale = StaleShapes.Find(graph, ShapeInference.Infer(graph, model.DefaultOpset, model.External));
        if (stale.Count > 0)
            warnings.Add(new(InspectionWarningKind.StaleShapes,
                $"{stale.Count} declared shape(s) contradict the graph ({List(stale.Select(s => s.ToString()), 3)}); ONNX Runtime trusts declarations when it folds shapes, so Ptq corrects them before quantizing"));

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

    private static InspectionWarning OpsetWarning(OnnxModel model, OnnxGraph graph)
    {
        long opset = model.DefaultOpset;
        string below = $"default-domain opset is {opset}, below {ModelInspector.PerChannelMinimumOpset} which per-channel quantization (QuantizeLinear/DequantizeLinear with axis) needs";
        var blockers = OpsetUpgrader.CheckSupported(model);
        if (blockers.Count > 0)
            return new(InspectionWarningKind.UpgradeBlocked,
                $"{below}, and Ptq cannot upgrade it: {List(blockers.Select(b => b.ToString()), 3)}; quantize refuses the model" +
                (opset >= 6 ? " except --mode fp16, which keeps the opset" : ""));
        var experimental = graph.Subgraphs().Prepend(graph).SelectMany(g => g.Nodes)
            .Where(n => n.IsStandard && OpsetUpgrader.ExperimentalOps.Contains(n.OpType))
            .GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}").ToList();
        return new(InspectionWarningKind.OldOpset,
            $"{below}; Ptq will upgrade the model to opset {ModelInspector.PerChannelMinimumOpset} before quantizing" +
            (experimental.Count > 0 ? $", rewriting the experimental ops removed from ONNX ({string.Join(", ", experimental)}) as the standard ops they compose" : ""));
    }

    // The first few items and how many more, so one warning stays one readable line.
    private static string List(IEnumerable<string> items, int shown)
    {
        var all = items.ToList();
        return string.Join("; ", all.Take(shown)) + (all.Count > shown ? $"; and {all.Count - shown} more" : "");
    }

    private static string Describe(OnnxGraph g) =>
        g.Owner is null ? "the main graph" : $"subgraph '{g.Name}' of {g.Owner}";
}
