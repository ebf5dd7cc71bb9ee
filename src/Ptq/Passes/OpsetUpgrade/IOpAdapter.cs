using Ptq.Graph;
using Ptq.Passes.Shapes;

namespace Ptq.Passes.OpsetUpgrade;

/// <summary>
/// Converts the nodes of one op family from the model's opset to the target opset. <see cref="Check"/> runs over the
/// whole model before anything is edited, so a refused model is never half converted.
/// </summary>
internal interface IOpAdapter
{
    /// <summary>The default-domain op types this adapter handles.</summary>
    IReadOnlyList<string> OpTypes { get; }

    /// <summary>Why <paramref name="node"/> cannot be converted in <paramref name="step"/>, or null when it can.</summary>
    string? Check(Node node, UpgradeStep step);

    /// <summary>Rewrites <paramref name="node"/> (and its graph) for the target opset. Only called after <see cref="Check"/> returned null.</summary>
    void Apply(Node node, UpgradeStep step);
}

/// <summary>
/// The opset change being applied: <see cref="From"/> is the model's default-domain opset, <see cref="To"/> the target,
/// and <see cref="Shapes"/> what static inference found in the model before any edit (declared shapes may be stale).
/// </summary>
internal readonly record struct UpgradeStep(long From, long To, InferredShapes Shapes)
{
    /// <summary>True when the op's schema changes at <paramref name="version"/> within this step.</summary>
    public bool Crosses(long version) => From < version && version <= To;

    /// <summary>The rank of <paramref name="name"/> in <paramref name="graph"/>, inferred or else declared; null when unknown.</summary>
    public int? Rank(OnnxGraph graph, string name) => Shapes.Rank(graph, name);
}
