namespace Ptq.Recipes;

/// <summary>A recipe option as set, e.g. <c>--mode weight-only</c>: an option name and its value text (empty for switches).</summary>
/// <param name="Option">CLI flag or recipe key, e.g. <c>--cle</c> or <c>overrides</c>.</param>
/// <param name="Value">The value as written on a command line, or empty for a switch.</param>
public readonly record struct RecipeFeature(string Option, string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value.Length == 0 ? Option : $"{Option} {Value}";
}
