namespace Ptq.Passes;

/// <summary>
/// A model cannot be upgraded to the requested opset: an operator is not covered, or one node cannot be converted
/// (for example an attribute that became an input is held as a dynamic value). The message names the op type, the node
/// and both opset versions, so the user knows exactly which node blocks the upgrade.
/// </summary>
internal sealed class OpsetUpgradeException : PtqException
{
    /// <summary>Creates the exception for <paramref name="blocker"/> when upgrading from <paramref name="fromOpset"/> to <paramref name="toOpset"/>.</summary>
    public OpsetUpgradeException(UpgradeBlocker blocker, long fromOpset, long toOpset, int moreBlockers = 0)
        : base(Format(blocker, fromOpset, toOpset, moreBlockers))
    {
        Blocker = blocker;
        FromOpset = fromOpset;
        ToOpset = toOpset;
    }

    /// <summary>The (first) node that blocks the upgrade.</summary>
    public UpgradeBlocker Blocker { get; }

    /// <summary>The model's default-domain opset.</summary>
    public long FromOpset { get; }

    /// <summary>The requested opset.</summary>
    public long ToOpset { get; }

    private static string Format(UpgradeBlocker blocker, long fromOpset, long toOpset, int moreBlockers) =>
        $"cannot upgrade {blocker.OpType} node '{blocker.NodeName}' from opset {fromOpset} to {toOpset}: {blocker.Reason}" +
        (moreBlockers > 0 ? $" ({moreBlockers} more node(s) block the upgrade; see OpsetUpgrader.CheckSupported)" : "");
}
