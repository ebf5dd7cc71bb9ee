namespace Ptq.Recipes;

/// <summary>
/// A seed tool's flag or value that its front end refuses (<c>ptq bolt</c>, <c>ptq tnn</c>, <c>ptq distiller</c>,
/// <c>ptq mindspore</c>): the message names the tool and flag as the tool spells it, says why, and what is closest.
/// </summary>
internal sealed class ToolFlagException : PtqException
{
    /// <summary>Creates the exception for <paramref name="flag"/> of <paramref name="command"/>.</summary>
    public ToolFlagException(string command, string flag, string message, Exception? innerException = null)
        : base($"{command} {flag}: {message}", innerException) => Flag = flag;

    /// <summary>The flag at fault, as the tool spells it (with its value where that is the problem).</summary>
    public string Flag { get; }
}
