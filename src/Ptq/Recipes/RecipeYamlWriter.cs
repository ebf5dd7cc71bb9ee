using System.Globalization;
using System.Text;
using Ptq.Data;

namespace Ptq.Recipes;

/// <summary>
/// Writes a recipe as the YAML that <see cref="RecipeYamlReader"/> reads back to an equal recipe: every key in a fixed
/// order, unset optional values (null) left out, strings double-quoted, numbers in invariant culture with round-trip precision.
/// </summary>
public static class RecipeYamlWriter
{
    /// <summary>The YAML text of <paramref name="recipe"/>, one key per line, ending with a newline.</summary>
    public static string Write(QuantizationRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var w = new StringBuilder();
        Line(w, "mode", RecipeNames.Name(recipe.Mode));
        Line(w, "act-bits", recipe.ActBits is { } actBits ? RecipeNames.BitsName(actBits) : null);
        Line(w, "weight-bits", RecipeNames.WeightBitsName(recipe.WeightBits));
        Line(w, "act-mode", RecipeNames.Name(recipe.ActMode));
        Line(w, "weight-mode", RecipeNames.Name(recipe.WeightMode));
        Line(w, "granularity", RecipeNames.Name(recipe.Granularity));
        Line(w, "method", RecipeNames.Name(recipe.Method));
        Line(w, "percentile", Num(recipe.Percentile));
        Line(w, "n-std", Num(recipe.NStd));
        Line(w, "weight-method", RecipeNames.Name(recipe.WeightMethod));
        Line(w, "block-size", Num(recipe.BlockSize));
        Line(w, "accuracy-level", Num(recipe.AccuracyLevel));
        Line(w, "embedding-bits", Num(recipe.EmbeddingBits));
        Line(w, "bias-correction", Bool(recipe.BiasCorrection));
        Line(w, "empirical-bias-correction", Bool(recipe.EmpiricalBiasCorrection));
        Line(w, "cle", Bool(recipe.Cle));
        Line(w, "fold-bn", Bool(recipe.FoldBn));
        Line(w, "clip", Num(recipe.Clip));
        Line(w, "clip-table", Quote(recipe.ClipTable));
        Line(w, "skip", List(recipe.Skip));
        Line(w, "skip-op", List(recipe.SkipOp));
        Line(w, "target-cosine", Num(recipe.TargetCosine));
        Line(w, "accuracy-guard", recipe.AccuracyGuard is { } guard ? RecipeNames.AccuracyGuardName(guard) : null);
        Line(w, "max-drop", Num(recipe.MaxDrop));
        Line(w, "calib-size", Num(recipe.CalibSize));
        Line(w, "reduce-range", Bool(recipe.ReduceRange));
        Line(w, "net-aware-clip", Bool(recipe.NetAwareClip));
        Line(w, "concat-shared-scale", Bool(recipe.ConcatSharedScale));
        Line(w, "no-clip", List(recipe.NoClip));
        Line(w, "min-weight-size", Num(recipe.MinWeightSize));
        Line(w, "min-weight-channels", Num(recipe.MinWeightChannels));
        Line(w, "mixed-init-scale", Num(recipe.MixedInitScale));
        Line(w, "data", List(recipe.Data));
        Line(w, "stats", Quote(recipe.Stats));
        WritePreprocessing(w, recipe.Preprocessing);
        WriteOverrides(w, recipe.Overrides);
        return w.ToString();
    }

    private static void WritePreprocessing(StringBuilder w, ImagePreprocessing p)
    {
        Line(w, "resize", p.Resize is { } r ? Quote(r.ToString()) : null);
        Line(w, "resize-short", Num(p.ResizeShort));
        Line(w, "resize-method", p.ResizeMethod.ToString().ToLowerInvariant());
        Line(w, "crop", p.Crop is { } c ? Quote(c.ToString()) : null);
        Line(w, "color", p.Color.ToString().ToUpperInvariant());
        Line(w, "mean", Floats(p.Mean));
        Line(w, "std", Floats(p.Std));
        Line(w, "scale", Floats(p.Scale));
        Line(w, "multiply", p.Multiply is { } m ? m.ToString(CultureInfo.InvariantCulture) : null);
        Line(w, "layout", p.Layout.ToString().ToUpperInvariant());
    }

    private static void WriteOverrides(StringBuilder w, IReadOnlyList<LayerOverride> overrides)
    {
        if (overrides.Count == 0) return;
        w.Append("overrides:\n");
        foreach (var o in overrides)
        {
            w.Append("  ").Append(Quote(o.Pattern)).Append(":\n");
            Line(w, "act-bits", Num(o.ActBits), "    ");
            Line(w, "weight-bits", Num(o.WeightBits), "    ");
            Line(w, "act-mode", o.ActMode is { } am ? RecipeNames.Name(am) : null, "    ");
            Line(w, "weight-mode", o.WeightMode is { } wm ? RecipeNames.Name(wm) : null, "    ");
            Line(w, "method", o.Method is { } m ? RecipeNames.Name(m) : null, "    ");
            Line(w, "skip", Bool(o.Skip), "    ");
        }
    }

    private static void Line(StringBuilder w, string key, string? value, string indent = "")
    {
        if (value is not null)
            w.Append(indent).Append(key).Append(": ").Append(value).Append('\n');
    }

    private static string? Num(int? v) => v?.ToString(CultureInfo.InvariantCulture);

    private static string? Num(double? v) => v?.ToString("R", CultureInfo.InvariantCulture);

    private static string? Bool(bool? v) => v is { } b ? (b ? "true" : "false") : null;

    private static string List(IReadOnlyList<string> items) => "[" + string.Join(", ", items.Select(Quote)) + "]";

    private static string? Floats(IReadOnlyList<float>? values) =>
        values is null ? null : "[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>A YAML double-quoted scalar: backslash and quote escaped, control characters as \uXXXX.</summary>
    private static string? Quote(string? text)
    {
        if (text is null) return null;
        var q = new StringBuilder("\"");
        foreach (char ch in text)
        {
            if (ch is '"' or '\\') q.Append('\\').Append(ch);
            else if (char.IsControl(ch)) q.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
            else q.Append(ch);
        }
        return q.Append('"').ToString();
    }
}
