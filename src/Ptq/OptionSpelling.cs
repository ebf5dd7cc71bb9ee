using System.Globalization;

namespace Ptq;

/// <summary>
/// How the <see cref="Recipes.RecipeOption"/>s a message names are written when it is rendered (<see cref="PtqException.MessageIn"/>,
/// or <see cref="FormattableString.ToString(IFormatProvider)"/>): as recipe keys (<c>act-bits</c>, as in
/// <see cref="Exception.Message"/>) or as command-line flags (<c>--act-bits</c>; keys without a flag stay keys).
/// Numbers are written in the invariant culture either way.
/// </summary>
internal sealed class OptionSpelling : IFormatProvider
{
    private OptionSpelling(bool flags) => UsesFlags = flags;

    /// <summary>Recipe keys, e.g. <c>act-bits</c>.</summary>
    public static OptionSpelling Keys { get; } = new(false);

    /// <summary>Command-line flags, e.g. <c>--act-bits</c>; recipe-only keys such as <c>n-std</c> stay keys.</summary>
    public static OptionSpelling Flags { get; } = new(true);

    /// <summary>True for <see cref="Flags"/>.</summary>
    public bool UsesFlags { get; }

    /// <inheritdoc/>
    public object? GetFormat(Type? formatType) => CultureInfo.InvariantCulture.GetFormat(formatType);
}
