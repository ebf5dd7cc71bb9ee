using System.Text;

namespace Ptq.Recipes;

/// <summary>Writes a recipe as the <c>ptq quantize</c> command line that gives it, from the option table.</summary>
internal static class NativeCommand
{
    /// <summary>The file name the command line gives for the recipe when recipe-only keys are set.</summary>
    public const string RecipeFileName = "recipe.yaml";

    /// <summary>
    /// <c>ptq quantize MODEL [--recipe recipe.yaml] --flag value ... -o OUTPUT [-V]</c>: every option with a flag whose
    /// value differs from the default, in table order; <c>--recipe</c> when an option without a flag differs.
    /// </summary>
    public static string Format(string model, QuantizationRecipe recipe, string output, bool verbose)
    {
        var w = new StringBuilder("ptq quantize ").Append(Shell(model));
        if (NeedsRecipeFile(recipe))
            w.Append(" --recipe ").Append(RecipeFileName);
        foreach (var option in Changed(recipe).Where(o => o.HasFlag))
        {
            var items = Items(option.Format(recipe) ?? "");
            w.Append(' ').Append(option.Flag);
            if (option.Shape == OptionShape.List)
                foreach (string item in items)
                    w.Append(' ').Append(Shell(item));
            else if (option.Shape != OptionShape.Switch || items is not ["true"])
                w.Append(' ').Append(Shell(string.Join(",", items)));
        }
        w.Append(" -o ").Append(Shell(output));
        if (verbose)
            w.Append(" -V");
        return w.ToString();
    }

    /// <summary>Whether <paramref name="recipe"/> sets an option that has no flag (a recipe-only key, or overrides).</summary>
    public static bool NeedsRecipeFile(QuantizationRecipe recipe) => recipe.Overrides.Count > 0 || Changed(recipe).Any(o => !o.HasFlag);

    private static IEnumerable<RecipeOption> Changed(QuantizationRecipe recipe) =>
        RecipeOptions.All.Where(o => o != RecipeOptions.Overrides && o.Format(recipe) != o.Format(QuantizationRecipe.Default));

    // The items of a formatted value: a YAML flow sequence [a, "b"] or one scalar, unquoted.
    private static List<string> Items(string yaml)
    {
        string text = yaml.Trim();
        bool sequence = text.StartsWith('[') && text.EndsWith(']');
        if (sequence) text = text[1..^1];
        var items = new List<string>();
        var item = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"') quoted = false;
                else if (c == '\\' && i + 1 < text.Length)
                {
                    char next = text[++i];
                    if (next == 'u' && i + 4 < text.Length) { item.Append((char)Convert.ToInt32(text.Substring(i + 1, 4), 16)); i += 4; }
                    else item.Append(next);
                }
                else item.Append(c);
            }
            else if (c == '"') { quoted = true; any = true; }
            else if (c == ',' && sequence) { items.Add(item.ToString().Trim()); item.Clear(); any = false; }
            else { item.Append(c); any = true; }
        }
        if (any || item.Length > 0) items.Add(sequence ? item.ToString().Trim() : item.ToString());
        return items;
    }

    // Quotes a word for a POSIX shell when it needs it.
    private static string Shell(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal))
            ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
