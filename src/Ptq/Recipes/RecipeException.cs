namespace Ptq.Recipes;

/// <summary>
/// A recipe option is invalid, conflicts with another, or a recipe file cannot be read. <see cref="SettingException.Key"/>
/// names the culprit as a recipe key (e.g. <c>act-bits</c>) or as the key of the file read (e.g. <c>bit_num</c>).
/// </summary>
internal sealed class RecipeException : SettingException
{
    /// <summary>Creates an exception about <paramref name="option"/>; settings named in <paramref name="message"/> follow the caller's spelling.</summary>
    public RecipeException(RecipeOption option, FormattableString message, Exception? innerException = null) : base(option, message, innerException) { }

    /// <summary>Creates an exception naming <paramref name="key"/> with a message written out already.</summary>
    public RecipeException(string key, string message) : base(key, message) { }

    /// <summary>Creates an exception naming <paramref name="key"/>, with the low-level cause.</summary>
    public RecipeException(string key, string message, Exception? innerException) : base(key, message, innerException) { }
}
