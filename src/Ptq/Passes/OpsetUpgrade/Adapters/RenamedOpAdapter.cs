using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>An op deprecated at <c>version</c> in favour of another with the same inputs, attributes and meaning (Scatter → ScatterElements at 11).</summary>
internal sealed class RenamedOpAdapter(long since, string opType, long version, string replacement) : OpAdapter(since, opType)
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.Crosses(version))
            node.OpType = replacement;
    }
}
