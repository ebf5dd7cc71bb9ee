namespace Ptq;

/// <summary>
/// A setting that error messages can name (a <see cref="Recipes.RecipeOption"/>): formatted with an
/// <see cref="OptionSpelling"/>, it writes itself as its recipe key or its command-line flag.
/// </summary>
internal interface ISetting : IFormattable
{
    /// <summary>The recipe key, e.g. <c>act-bits</c>.</summary>
    string Key { get; }
}
