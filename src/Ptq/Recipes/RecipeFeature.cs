namespace Ptq.Recipes;

/// <summary>A recipe option as set, e.g. <c>mode weight-only</c>: the option and its value text (empty for none).</summary>
/// <param name="Option">The option.</param>
/// <param name="Value">The value as a recipe writes it, e.g. <c>mixed</c>.</param>
internal readonly record struct RecipeFeature(RecipeOption Option, string Value) : IFormattable
{
    /// <summary>The recipe key and value, e.g. <c>weight-bits mixed</c>.</summary>
    public override string ToString() => ToString(null, OptionSpelling.Keys);

    /// <summary>The option as <paramref name="formatProvider"/> spells it (<see cref="OptionSpelling.Flags"/>: <c>--weight-bits mixed</c>), and the value.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        string option = Option.ToString(format, formatProvider);
        return Value.Length == 0 ? option : $"{option} {Value}";
    }
}
