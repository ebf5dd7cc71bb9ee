namespace Ptq.Passes;

/// <summary>One node that keeps a model from being upgraded, and why.</summary>
/// <param name="OpType">Operator type of the node, e.g. "FC".</param>
/// <param name="NodeName">The node's name (or op type and first output when unnamed).</param>
/// <param name="Reason">Why the node cannot be converted, with the offending values.</param>
internal sealed record UpgradeBlocker(string OpType, string NodeName, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{OpType} '{NodeName}': {Reason}";
}
