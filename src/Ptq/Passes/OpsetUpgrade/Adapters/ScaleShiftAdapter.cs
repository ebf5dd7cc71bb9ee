using Ptq.Graph;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// The experimental ops that scale and shift elementwise, removed at opset 10, become Mul and Add with constants of the
/// data's type: Affine y = alpha·x + beta (defaults 1, 0), Scale y = scale·x (default 1), ImageScaler
/// y = scale·x + bias[c] on [N,C,H,W] (bias per channel, optional). Multiplying by 1 and adding 0 are left out.
/// </summary>
internal sealed class ScaleShiftAdapter() : OpAdapter(1, "Affine", "Scale", "ImageScaler")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        node.OpType == "ImageScaler" && node.Attribute("bias") is not null && step.Rank(node.Graph, node.Inputs[0]) is int rank && rank != 4
            ? $"its per-channel bias applies to an [N,C,H,W] input, and '{node.Inputs[0]}' has rank {rank}"
            : null;

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        int type = NodeEdits.ElementType(node.Graph, node.Inputs[0]) ?? (int)DT.Float;
        float scale = node.OpType == "Affine" ? node.GetFloat("alpha", 1f) : node.GetFloat("scale", 1f);
        float[] shift = node.OpType switch
        {
            "Affine" => [node.GetFloat("beta", 0f)],
            "ImageScaler" => NodeEdits.GetFloats(node, "bias") ?? [],
            _ => [],
        };
        var steps = new List<ChainStep>();
        if (scale != 1f)
            steps.Add(new ChainStep("Mul", [NodeEdits.AddScalar(node, "scale", type, scale)]));
        if (shift.Any(b => b != 0f))
        {
            long[] dims = node.OpType == "ImageScaler" ? [1, shift.Length, 1, 1] : [];
            steps.Add(new ChainStep("Add", [NodeEdits.AddTensor(node, "bias", type, dims, [.. shift.Select(b => (double)b)])]));
        }
        OpChain.Replace(node, steps);
    }
}
