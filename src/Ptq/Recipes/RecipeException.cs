namespace Ptq.Recipes;

/// <summary>
/// A recipe option is invalid, conflicts with another, or a recipe file cannot be read. <see cref="Option"/> names the
/// culprit in its CLI spelling (e.g. <c>--act-bits</c>) or as a file key (e.g. <c>recipe.cfg: bit_num</c>).
/// </summary>
public sealed class RecipeException : PtqException
{
    /// <summary>Creates an exception naming <paramref name="option"/>.</summary>
    public RecipeException(string option, string message) : base(message) => Option = option;

    /// <summary>Creates an exception naming <paramref name="option"/>, with the low-level cause.</summary>
    public RecipeException(string option, string message, Exception? innerException) : base(message, innerException) => Option = option;

    /// <summary>The option or file key at fault, e.g. <c>--percentile</c>.</summary>
    public string Option { get; }
}
