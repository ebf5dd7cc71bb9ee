using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// MeanVarianceNormalization before 9 was experimental, with <c>across_channels</c> (default 0) and
/// <c>normalize_variance</c> (default 1) on an [N,C,H,W] input. ONNX Runtime, which still runs it, pools the statistics
/// over N, H and W per channel (over all four dims across channels) — the axes [0,2,3] default that MVN-9 adopted.
/// It becomes MVN with those axes, or without variance normalization X − ReduceMean(X, axes).
/// </summary>
internal sealed class MeanVarianceNormalizationAdapter() : OpAdapter(1, "MeanVarianceNormalization")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        step.From < 9 && step.Rank(node.Graph, node.Inputs[0]) is int rank && rank != 4
            ? $"before opset 9 it takes an [N,C,H,W] input, and '{node.Inputs[0]}' has rank {rank}"
            : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.From >= 9)
            return;
        long[] axes = node.GetInt("across_channels", 0) != 0 ? [0, 1, 2, 3] : [0, 2, 3];
        bool variance = node.GetInt("normalize_variance", 1) != 0;
        node.RemoveAttribute("across_channels");
        node.RemoveAttribute("normalize_variance");
        if (variance)
        {
            node.SetAttribute(Node.IntsAttribute("axes", axes));
            return;
        }
        var graph = node.Graph;
        string input = node.Inputs[0];
        // ReduceMean's axes became an input at 18.
        var mean = step.To >= 18
            ? graph.AddNode("ReduceMean", [input, NodeEdits.AddInt64s(node, "axes", axes)], [graph.UniqueName($"{node.Outputs[0]}_mean")], graph.UniqueName($"{node.DisplayName}_mean"))
            : graph.AddNode("ReduceMean", [input], [graph.UniqueName($"{node.Outputs[0]}_mean")], graph.UniqueName($"{node.DisplayName}_mean"), [Node.IntsAttribute("axes", axes)]);
        node.OpType = "Sub";
        graph.SetInputs(node, [input, mean.Outputs[0]]);
    }
}
