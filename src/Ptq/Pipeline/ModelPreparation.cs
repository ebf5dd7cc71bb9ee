using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Passes.Shapes;

namespace Ptq.Pipeline;

/// <summary>The canonical float model every later stage works on, and what was done to get it.</summary>
/// <param name="Model">Upgraded to opset ≥ 13 (unless kept, see <see cref="ModelPreparation.Prepare"/>), Constant weights promoted to initializers, BatchNorm folded (when asked).</param>
/// <param name="OriginalOpset">Default-domain opset before the upgrade.</param>
/// <param name="FoldedBatchNorms">BatchNormalization nodes folded into Conv/Gemm.</param>
/// <param name="PromotedConstants">Constant nodes turned into initializers.</param>
/// <param name="CorrectedShapes">Declared shapes that contradicted the graph and were corrected (<see cref="StaleShape"/>).</param>
internal sealed record PreparedModel(OnnxModel Model, long OriginalOpset, int FoldedBatchNorms, int PromotedConstants,
    IReadOnlyList<StaleShape> CorrectedShapes);

/// <summary>
/// Canonicalization shared by calibrate and quantize, so that statistics collected by one name exactly the tensors the
/// other quantizes: opset upgrade to 13 (per-channel Q/DQ), declared shapes that contradict the graph corrected,
/// Constant → initializer, removal of inference identities (Identity, Dropout), folding of shape ops on constants,
/// Conv + per-channel Add into the Conv bias, BatchNorm folding; unnamed nodes get names (first output + op type) so
/// skip lists and reports can refer to them.
/// </summary>
internal static class ModelPreparation
{
    /// <summary>
    /// Prepares <paramref name="model"/> (not modified); with <paramref name="equalize"/>, cross-layer equalization runs
    /// after BatchNorm folding; with <paramref name="padInputChannels"/> (static quantization and its calibration),
    /// Convs reading fewer than four channels get four (<see cref="InputChannelPadding"/>). With
    /// <paramref name="keepOpsetWhenBlocked"/> (fp16 storage, which needs no new op), a model at opset 6–12 whose upgrade
    /// is blocked keeps its opset, and the passes written for opset-13 semantics (constant shape folding, Conv bias
    /// folding, channel padding) are skipped. Throws <see cref="OpsetUpgradeException"/> naming the node when an
    /// old-opset model cannot be upgraded (and is not kept).
    /// </summary>
    public static PreparedModel Prepare(OnnxModel model, bool foldBatchNorm = true, bool equalize = false, bool padInputChannels = false,
        bool keepOpsetWhenBlocked = false)
    {
        long original = model.DefaultOpset;
        // Cast, which fp16 storage adds, takes its numeric 'to' attribute from opset 6.
        bool keep = keepOpsetWhenBlocked && original is >= 6 and < OpsetUpgrader.MinTargetOpset && OpsetUpgrader.CheckSupported(model).Count > 0;
        IReadOnlyList<StaleShape> corrected = [];
        var upgraded = original < OpsetUpgrader.MinTargetOpset && !keep ? OpsetUpgrader.Upgrade(model, OpsetUpgrader.MinTargetOpset, out corrected) : model;
        var graph = OnnxGraph.FromModel(upgraded, promoteConstants: true);
        graph.SortTopologically();
        corrected = [.. corrected, .. StaleShapes.Correct(graph, ShapeInference.Infer(graph, upgraded.DefaultOpset, upgraded.External))];
        NameNodes(graph);
        IdentityElimination.Apply(graph);
        if (!keep)
        {
            ConstantFolding.Apply(graph, upgraded.External);
            ConvBiasAddFolding.Apply(graph, upgraded.External);
        }
        int folded = foldBatchNorm ? BatchNormFolding.Apply(graph, upgraded.External) : 0;
        if (equalize)
            CrossLayerEqualization.Apply(graph, upgraded.External);
        if (padInputChannels && !keep)
            InputChannelPadding.Apply(graph, upgraded.External);
        var proto = upgraded.Proto.Clone();
        proto.Graph = graph.ToProto();
        var prepared = upgraded.Derive(proto);
        return new PreparedModel(prepared, original, folded, graph.ConstantInitializers.Count, corrected);
    }

    // Skip lists, overrides, reports and fallback refer to nodes by name; some exporters leave every node unnamed.
    private static void NameNodes(OnnxGraph graph)
    {
        foreach (var node in graph.Nodes.Where(n => string.IsNullOrEmpty(n.Name)))
            node.Name = graph.UniqueName(node.Outputs.FirstOrDefault(o => o.Length > 0) is { } output ? output + "_" + node.OpType : node.OpType);
    }
}
