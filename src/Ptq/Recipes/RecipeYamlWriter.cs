using System.Globalization;
using System.Text;

namespace Ptq.Recipes;

/// <summary>
/// Writes a recipe as the YAML that <see cref="RecipeYamlReader"/> reads back to an equal recipe: every key of
/// <see cref="RecipeOptions.All"/> in table order, unset optional values (null) left out, strings double-quoted, numbers
/// in invariant culture with round-trip precision.
/// </summary>
internal static class RecipeYamlWriter
{
    /// <summary>The YAML text of <paramref name="recipe"/>, one key per line, ending with a newline.</summary>
    public static string Write(QuantizationRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var w = new StringBuilder();
        foreach (var option in RecipeOptions.All)
        {
            if (option == RecipeOptions.Overrides)
                WriteOverrides(w, recipe.Overrides);
            else
                Line(w, option.Key, option.Format(recipe));
        }
        return w.ToString();
    }

    private static void WriteOverrides(StringBuilder w, IReadOnlyList<LayerOverride> overrides)
    {
        if (overrides.Count == 0) return;
        w.Append("overrides:\n");
        foreach (var o in overrides)
        {
            w.Append("  ").Append(Codecs.Quote(o.Pattern)).Append(":\n");
            Line(w, "act-bits", o.ActBits?.ToString(CultureInfo.InvariantCulture), "    ");
            Line(w, "weight-bits", o.WeightBits?.ToString(CultureInfo.InvariantCulture), "    ");
            Line(w, "act-mode", o.ActMode is { } am ? Codecs.QuantModes.Name(am) : null, "    ");
            Line(w, "weight-mode", o.WeightMode is { } wm ? Codecs.QuantModes.Name(wm) : null, "    ");
            Line(w, "method", o.Method is { } m ? Codecs.Methods.Name(m) : null, "    ");
            Line(w, "skip", o.Skip is { } skip ? (skip ? "true" : "false") : null, "    ");
        }
    }

    private static void Line(StringBuilder w, string key, string? value, string indent = "")
    {
        if (value is not null)
            w.Append(indent).Append(key).Append(": ").Append(value).Append('\n');
    }
}
