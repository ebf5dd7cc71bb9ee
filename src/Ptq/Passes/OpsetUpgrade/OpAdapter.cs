using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade;

/// <summary>
/// Base of the adapters: refuses nodes from opsets older than <see cref="Since"/> (the earliest version whose meaning
/// Ptq knows how to carry forward) and leaves the rest to <see cref="CheckNode"/> and <see cref="Apply"/>.
/// </summary>
internal abstract class OpAdapter(long since, params string[] opTypes) : IOpAdapter
{
    /// <inheritdoc/>
    public IReadOnlyList<string> OpTypes => opTypes;

    /// <summary>The earliest opset from which this adapter converts the op.</summary>
    public long Since => since;

    /// <inheritdoc/>
    public string? Check(Node node, UpgradeStep step) =>
        step.From < since
            ? $"at opset {step.From} {node.OpType} has an older definition than version {since}, the oldest Ptq converts"
            : CheckNode(node, step);

    /// <inheritdoc/>
    public virtual void Apply(Node node, UpgradeStep step) { }

    /// <summary>Adapter-specific reasons to refuse the node; null when it can be converted.</summary>
    protected virtual string? CheckNode(Node node, UpgradeStep step) => null;
}

/// <summary>An op whose meaning has not changed since <c>since</c> up to the newest target (later versions only add types or optional inputs with neutral defaults).</summary>
internal sealed class UnchangedOp(long since, params string[] opTypes) : OpAdapter(since, opTypes);
