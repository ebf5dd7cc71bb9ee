namespace Ptq;

/// <summary>
/// Base of every error Ptq raises for bad input: a file, tensor, node or option at fault.
/// The message always names the culprit and says what would fix it. The CLI maps these to exit code 2.
/// </summary>
public class PtqException : Exception
{
    /// <summary>Creates an exception with an actionable message.</summary>
    public PtqException(string message) : base(message) { }

    /// <summary>Creates an exception with an actionable message and the low-level cause.</summary>
    public PtqException(string message, Exception? innerException) : base(message, innerException) { }
}
