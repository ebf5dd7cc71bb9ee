namespace Ptq;

/// <summary>
/// Base of every error Ptq raises for bad input: a file, tensor, node or option at fault.
/// The message always names the culprit and says what would fix it. The CLI maps these to exit code 2.
/// </summary>
public class PtqException : Exception
{
    private readonly FormattableString? _template;

    /// <summary>Creates an exception with an actionable message.</summary>
    public PtqException(string message) : base(message) { }

    /// <summary>Creates an exception with an actionable message and the low-level cause.</summary>
    public PtqException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>
    /// Creates an exception whose message names settings through its arguments (e.g. a <see cref="Recipes.RecipeOption"/>):
    /// <see cref="Exception.Message"/> writes them as recipe keys, <see cref="MessageIn"/> as the caller spells them.
    /// </summary>
    protected internal PtqException(FormattableString message, Exception? innerException = null)
        : base((message ?? throw new ArgumentNullException(nameof(message))).ToString(OptionSpelling.Keys), innerException) =>
        _template = message;

    /// <summary>
    /// The message with the settings it names written as <paramref name="spelling"/> says, e.g.
    /// <see cref="OptionSpelling.Flags"/> for a command line (<c>--act-bits</c> instead of <c>act-bits</c>);
    /// <see cref="Exception.Message"/> for a message that names none.
    /// </summary>
    public string MessageIn(IFormatProvider spelling) => _template?.ToString(spelling) ?? Message;
}
