using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// An op deprecated at <c>version</c> in favour of another with the same inputs, attributes and meaning (Scatter →
/// ScatterElements at 11, the experimental DynamicSlice → Slice at 10). Renamed whenever the target is past <c>version</c>.
/// </summary>
internal sealed class RenamedOpAdapter(long since, string opType, long version, string replacement) : OpAdapter(since, opType)
{
    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        if (step.To >= version)
            node.OpType = replacement;
    }
}
