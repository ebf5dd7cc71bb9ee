using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;

namespace Ptq.Pipeline;

/// <summary>The canonical float model every later stage works on, and what was done to get it.</summary>
/// <param name="Model">Upgraded to opset ≥ 13, Constant weights promoted to initializers, BatchNorm folded (when asked).</param>
/// <param name="OriginalOpset">Default-domain opset before the upgrade.</param>
/// <param name="FoldedBatchNorms">BatchNormalization nodes folded into Conv/Gemm.</param>
/// <param name="PromotedConstants">Constant nodes turned into initializers.</param>
public sealed record PreparedModel(OnnxModel Model, long OriginalOpset, int FoldedBatchNorms, int PromotedConstants);

/// <summary>
/// Canonicalization shared by calibrate and quantize, so that statistics collected by one name exactly the tensors the
/// other quantizes: opset upgrade to 13 (per-channel Q/DQ), Constant → initializer, removal of inference identities
/// (Identity, Dropout), folding of shape ops on constants, Conv + per-channel Add into the Conv bias,
/// BatchNorm folding; unnamed nodes get names (first output + op type) so skip lists and reports can refer to them.
/// </summary>
public static class ModelPreparation
{
    /// <summary>
    /// Prepares <paramref name="model"/> (not modified); with <paramref name="equalize"/>, cross-layer equalization runs
    /// after BatchNorm folding; with <paramref name="padInputChannels"/> (static quantization and its calibration),
    /// Convs reading fewer than four channels get four (<see cref="InputChannelPadding"/>). Throws <see cref="OpsetUpgradeException"/> naming the node
    /// when an old-opset model cannot be upgraded.
    /// </summary>
    public static PreparedModel Prepare(OnnxModel model, bool foldBatchNorm = true, bool equalize = false, bool padInputChannels = false)
    {
        long original = model.DefaultOpset;
        var upgraded = original < OpsetUpgrader.MinTargetOpset ? OpsetUpgrader.Upgrade(model) : model;
        var graph = OnnxGraph.FromModel(upgraded, promoteConstants: true);
        graph.SortTopologically();
        NameNodes(graph);
        IdentityElimination.Apply(graph);
        ConstantFolding.Apply(graph, upgraded.External);
        ConvBiasAddFolding.Apply(graph, upgraded.External);
        int folded = foldBatchNorm ? BatchNormFolding.Apply(graph, upgraded.External) : 0;
        if (equalize)
            CrossLayerEqualization.Apply(graph, upgraded.External);
        if (padInputChannels)
            InputChannelPadding.Apply(graph, upgraded.External);
        var proto = upgraded.Proto.Clone();
        proto.Graph = graph.ToProto();
        var prepared = upgraded.Derive(proto);
        return new PreparedModel(prepared, original, folded, graph.ConstantInitializers.Count);
    }

    // Skip lists, overrides, reports and fallback refer to nodes by name; some exporters leave every node unnamed.
    private static void NameNodes(Graph.OnnxGraph graph)
    {
        foreach (var node in graph.Nodes.Where(n => string.IsNullOrEmpty(n.Name)))
            node.Name = graph.UniqueName(node.Outputs.FirstOrDefault(o => o.Length > 0) is { } output ? output + "_" + node.OpType : node.OpType);
    }
}
