using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// Ops whose pre-7 versions carry attributes that later versions dropped without changing the meaning: Gemm's
/// <c>broadcast</c> (C was already broadcast one-way when set, and had to match when not) and the legacy
/// <c>consumed_inputs</c> hint.
/// </summary>
internal sealed class LegacyAttributeAdapter(long since, long version, string[] attributes, params string[] opTypes) : OpAdapter(since, opTypes)
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (!step.Crosses(version))
            return;
        foreach (string attribute in attributes)
            node.RemoveAttribute(attribute);
    }
}
