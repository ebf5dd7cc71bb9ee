using Ptq.Graph;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// The experimental scaled activations (removed at opset 10) become Mul → activation → Mul: ScaledTanh
/// y = alpha·tanh(beta·x), ParametricSoftplus y = alpha·ln(exp(beta·x) + 1) = alpha·Softplus(beta·x). Neither
/// attribute has a default in any definition (ONNX Runtime refuses a node without them), so both are required.
/// </summary>
internal sealed class ScaledActivationAdapter() : OpAdapter(1, "ScaledTanh", "ParametricSoftplus")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step) =>
        node.Attribute("alpha") is { HasF: true } && node.Attribute("beta") is { HasF: true }
            ? null
            : $"{node.OpType} needs both 'alpha' and 'beta' (neither has a default)";

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        int type = NodeEdits.ElementType(node.Graph, node.Inputs[0]) ?? (int)DT.Float;
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        var steps = new List<ChainStep>();
        if (beta != 1f)
            steps.Add(new ChainStep("Mul", [NodeEdits.AddScalar(node, "beta", type, beta)]));
        steps.Add(new ChainStep(node.OpType == "ScaledTanh" ? "Tanh" : "Softplus", []));
        if (alpha != 1f)
            steps.Add(new ChainStep("Mul", [NodeEdits.AddScalar(node, "alpha", type, alpha)]));
        OpChain.Replace(node, steps);
    }
}
