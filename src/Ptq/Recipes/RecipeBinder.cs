using System.Globalization;
using Ptq.Data;

namespace Ptq.Recipes;

/// <summary>
/// Maps a recipe document (<see cref="RecipeMapping"/>, from YAML or JSON) onto a <see cref="QuantizationRecipe"/>.
/// Keys are the CLI flag names without the leading dashes (kebab-case), plus the recipe-only keys <c>n-std</c>,
/// <c>overrides</c>, <c>empirical-bias-correction</c>, <c>net-aware-clip</c>, <c>concat-shared-scale</c>, <c>no-clip</c>, <c>min-weight-size</c>, <c>min-weight-channels</c>, <c>mixed-init-scale</c>. Unknown keys are errors.
/// Every message starts with the source and position and names the key.
/// </summary>
internal sealed class RecipeBinder
{
    private delegate QuantizationRecipe Setter(RecipeBinder binder, QuantizationRecipe recipe, RecipeNode value, string key);

    private static readonly Dictionary<string, Setter> Keys = new(StringComparer.Ordinal)
    {
        ["mode"] = (b, r, v, k) => r with { Mode = RecipeNames.ParseMode(b.Text(v, k), k) },
        ["act-bits"] = (b, r, v, k) => r with { ActBits = b.IsNull(v) ? null : RecipeNames.ParseActBits(b.Text(v, k), k) },
        ["weight-bits"] = (b, r, v, k) => r with { WeightBits = RecipeNames.ParseWeightBits(b.Text(v, k), k) },
        ["act-mode"] = (b, r, v, k) => r with { ActMode = RecipeNames.ParseQuantMode(b.Text(v, k), k) },
        ["weight-mode"] = (b, r, v, k) => r with { WeightMode = RecipeNames.ParseQuantMode(b.Text(v, k), k) },
        ["granularity"] = (b, r, v, k) => r with { Granularity = RecipeNames.ParseGranularity(b.Text(v, k), k) },
        ["method"] = (b, r, v, k) => r with { Method = RecipeNames.ParseMethod(b.Text(v, k), k) },
        ["percentile"] = (b, r, v, k) => r with { Percentile = b.Double(v, k) },
        ["n-std"] = (b, r, v, k) => r with { NStd = b.Double(v, k) },
        ["weight-method"] = (b, r, v, k) => r with { WeightMethod = RecipeNames.ParseWeightMethod(b.Text(v, k), k) },
        ["block-size"] = (b, r, v, k) => r with { BlockSize = b.NullableInt(v, k) },
        ["accuracy-level"] = (b, r, v, k) => r with { AccuracyLevel = b.NullableInt(v, k) },
        ["embedding-bits"] = (b, r, v, k) => r with { EmbeddingBits = b.NullableInt(v, k) },
        ["bias-correction"] = (b, r, v, k) => r with { BiasCorrection = b.IsNull(v) ? QuantizationRecipe.Default.BiasCorrection : b.Bool(v, k) },
        ["cle"] = (b, r, v, k) => r with { Cle = b.Bool(v, k) },
        ["fold-bn"] = (b, r, v, k) => r with { FoldBn = b.Bool(v, k) },
        ["clip"] = (b, r, v, k) => r with { Clip = b.IsNull(v) ? null : b.Double(v, k) },
        ["clip-table"] = (b, r, v, k) => r with { ClipTable = b.NullableText(v, k) },
        ["skip"] = (b, r, v, k) => r with { Skip = b.Strings(v, k) },
        ["skip-op"] = (b, r, v, k) => r with { SkipOp = b.Strings(v, k) },
        ["target-cosine"] = (b, r, v, k) => r with { TargetCosine = b.IsNull(v) ? null : b.Double(v, k) },
        ["accuracy-guard"] = (b, r, v, k) => r with { AccuracyGuard = b.IsNull(v) ? null : RecipeNames.ParseAccuracyGuard(b.Text(v, k), k) },
        ["max-drop"] = (b, r, v, k) => r with { MaxDrop = b.IsNull(v) ? null : b.Double(v, k) },
        ["calib-size"] = (b, r, v, k) => r with { CalibSize = b.NullableInt(v, k) },
        ["reduce-range"] = (b, r, v, k) => r with { ReduceRange = b.Bool(v, k) },
        ["overrides"] = (b, r, v, k) => r with { Overrides = b.Overrides(v, k) },
        ["empirical-bias-correction"] = (b, r, v, k) => r with { EmpiricalBiasCorrection = b.Bool(v, k) },
        ["net-aware-clip"] = (b, r, v, k) => r with { NetAwareClip = b.Bool(v, k) },
        ["concat-shared-scale"] = (b, r, v, k) => r with { ConcatSharedScale = b.Bool(v, k) },
        ["no-clip"] = (b, r, v, k) => r with { NoClip = b.Strings(v, k) },
        ["min-weight-size"] = (b, r, v, k) => r with { MinWeightSize = b.NullableInt(v, k) },
        ["min-weight-channels"] = (b, r, v, k) => r with { MinWeightChannels = b.NullableInt(v, k) },
        ["mixed-init-scale"] = (b, r, v, k) => r with { MixedInitScale = b.IsNull(v) ? null : b.Double(v, k) },
        ["data"] = (b, r, v, k) => r with { Data = b.Strings(v, k) },
        ["stats"] = (b, r, v, k) => r with { Stats = b.NullableText(v, k) },
        ["resize"] = (b, r, v, k) => b.Pre(r, p => p.Resize = ImageSize.Parse(b.Joined(v, k), k)),
        ["resize-short"] = (b, r, v, k) => b.Pre(r, p => p.ResizeShort = b.NullableInt(v, k)),
        ["resize-method"] = (b, r, v, k) => b.Pre(r, p => p.ResizeMethod = OptionText.ParseEnum<ResizeMethod>(b.Text(v, k), k)),
        ["crop"] = (b, r, v, k) => b.Pre(r, p => p.Crop = ImageSize.Parse(b.Joined(v, k), k)),
        ["color"] = (b, r, v, k) => b.Pre(r, p => p.Color = OptionText.ParseEnum<ColorMode>(b.Text(v, k), k)),
        ["mean"] = (b, r, v, k) => b.Pre(r, p => p.Mean = OptionText.ParseFloats(b.Joined(v, k), k)),
        ["std"] = (b, r, v, k) => b.Pre(r, p => p.Std = OptionText.ParseFloats(b.Joined(v, k), k)),
        ["scale"] = (b, r, v, k) => b.Pre(r, p => p.Scale = OptionText.ParseFloats(b.Joined(v, k), k)),
        ["multiply"] = (b, r, v, k) => b.Pre(r, p => p.Multiply = (float)b.Double(v, k)),
        ["layout"] = (b, r, v, k) => b.Pre(r, p => p.Layout = OptionText.ParseEnum<TensorLayout>(b.Text(v, k), k)),
    };

    private static readonly Dictionary<string, Func<RecipeBinder, LayerOverride, RecipeNode, string, LayerOverride>> OverrideKeys = new(StringComparer.Ordinal)
    {
        ["act-bits"] = (b, o, v, k) => o with { ActBits = b.NullableInt(v, k) },
        ["weight-bits"] = (b, o, v, k) => o with { WeightBits = b.NullableInt(v, k) },
        ["act-mode"] = (b, o, v, k) => o with { ActMode = b.IsNull(v) ? null : RecipeNames.ParseQuantMode(b.Text(v, k), k) },
        ["weight-mode"] = (b, o, v, k) => o with { WeightMode = b.IsNull(v) ? null : RecipeNames.ParseQuantMode(b.Text(v, k), k) },
        ["method"] = (b, o, v, k) => o with { Method = b.IsNull(v) ? null : RecipeNames.ParseMethod(b.Text(v, k), k) },
        ["skip"] = (b, o, v, k) => o with { Skip = b.Bool(v, k) },
    };

    private readonly string _source;
    private readonly PreprocessingBuilder _preprocessing = new();

    private RecipeBinder(string source) => _source = source;

    /// <summary>Applies every key of <paramref name="root"/> to <paramref name="baseline"/> (defaults when null); does not validate combinations.</summary>
    /// <exception cref="RecipeException">Unknown key, wrong shape or unparsable value; the message names the source, position and key.</exception>
    public static QuantizationRecipe Bind(RecipeNode root, string source, QuantizationRecipe? baseline = null)
    {
        var binder = new RecipeBinder(source);
        binder.RefuseDuplicateKeys(root);
        if (root is RecipeScalar { Text: null })
            return baseline ?? QuantizationRecipe.Default;
        if (root is not RecipeMapping mapping)
            throw binder.Fail(root, "(root)", "a recipe must be a mapping of keys such as 'act-bits: 8'.");
        var recipe = baseline ?? QuantizationRecipe.Default;
        foreach (var (key, value) in mapping.Entries)
        {
            if (!Keys.TryGetValue(key, out var setter))
                throw binder.Fail(value, key, $"unknown key; expected one of {string.Join(", ", Keys.Keys)}.");
            recipe = binder.Guard(value, key, () => setter(binder, recipe, value, key));
        }
        var preprocessing = binder.Guard(mapping, "preprocessing", () => binder._preprocessing.ApplyTo(recipe.Preprocessing));
        return recipe with { Preprocessing = preprocessing };
    }

    /// <summary>
    /// Refuses a key written twice in one mapping anywhere in the document: JSON and YAML parsers keep the last silently,
    /// so an edit to the first copy would have no effect (MindSpore .cfg files refuse them too).
    /// </summary>
    private void RefuseDuplicateKeys(RecipeNode node)
    {
        switch (node)
        {
            case RecipeMapping mapping:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Entries)
                {
                    if (!seen.Add(key))
                        throw Fail(value, key, "the key appears twice in one mapping; keep one.");
                    RefuseDuplicateKeys(value);
                }
                break;
            case RecipeSequence sequence:
                foreach (var item in sequence.Items)
                    RefuseDuplicateKeys(item);
                break;
        }
    }

    private QuantizationRecipe Pre(QuantizationRecipe recipe, Action<PreprocessingBuilder> set)
    {
        set(_preprocessing);
        return recipe;
    }

    private IReadOnlyList<LayerOverride> Overrides(RecipeNode node, string key)
    {
        if (IsNull(node)) return [];
        if (node is not RecipeMapping layers)
            throw Fail(node, key, "expected a mapping of layer names or patterns to settings, e.g. {\"conv.*\": {weight-bits: 4}}.");
        var result = new List<LayerOverride>();
        foreach (var (pattern, settings) in layers.Entries)
        {
            string where = $"{key}['{pattern}']";
            var entry = new LayerOverride { Pattern = pattern };
            if (settings is RecipeMapping fields)
            {
                foreach (var (field, value) in fields.Entries)
                {
                    string fieldKey = $"{where}.{field}";
                    if (!OverrideKeys.TryGetValue(field, out var setter))
                        throw Fail(value, fieldKey, $"unknown key; expected one of {string.Join(", ", OverrideKeys.Keys)}.");
                    var current = entry;
                    entry = Guard(value, fieldKey, () => setter(this, current, value, fieldKey));
                }
            }
            else if (!IsNull(settings))
            {
                throw Fail(settings, where, "expected a mapping such as {weight-bits: 4, skip: false}.");
            }
            result.Add(entry);
        }
        return result;
    }

    private T Guard<T>(RecipeNode node, string key, Func<T> apply)
    {
        try
        {
            return apply();
        }
        catch (RecipeException e) when (!e.Message.StartsWith(_source, StringComparison.Ordinal))
        {
            throw new RecipeException(key, $"{Prefix(node)}{e.Message}", e);
        }
        catch (PtqException e) when (e is not RecipeException)
        {
            throw new RecipeException(key, $"{Prefix(node)}{e.Message}", e);
        }
    }

    private string Prefix(RecipeNode node) => node.Where.Length == 0 ? $"{_source}: " : $"{_source}: {node.Where}: ";

    private RecipeException Fail(RecipeNode node, string key, string message) => new(key, $"{Prefix(node)}{key}: {message}");

    private bool IsNull(RecipeNode node) => node is RecipeScalar { Text: null };

    private string Text(RecipeNode node, string key) =>
        node is RecipeScalar { Text: { } text } ? text : throw Fail(node, key, "expected a single value.");

    private string? NullableText(RecipeNode node, string key) => IsNull(node) ? null : Text(node, key);

    /// <summary>A scalar, or a sequence of scalars joined with commas (so <c>mean: [104, 117, 123]</c> and <c>mean: "104,117,123"</c> agree).</summary>
    private string Joined(RecipeNode node, string key) => node is RecipeSequence seq
        ? string.Join(",", seq.Items.Select(i => Text(i, key)))
        : Text(node, key);

    private IReadOnlyList<string> Strings(RecipeNode node, string key) => node switch
    {
        RecipeScalar { Text: null } => [],
        RecipeScalar { Text: { } text } => [text],
        RecipeSequence seq => seq.Items.Select(i => Text(i, key)).ToArray(),
        _ => throw Fail(node, key, "expected a list such as [conv1, \"fc.*\"]."),
    };

    private int? NullableInt(RecipeNode node, string key)
    {
        if (IsNull(node)) return null;
        string text = Text(node, key);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value : throw Fail(node, key, $"'{text}' is not an integer.");
    }

    private double Double(RecipeNode node, string key)
    {
        string text = Text(node, key);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value : throw Fail(node, key, $"'{text}' is not a finite number.");
    }

    private bool Bool(RecipeNode node, string key)
    {
        string text = Text(node, key);
        return bool.TryParse(text, out bool value) ? value : throw Fail(node, key, $"'{text}' is not true or false.");
    }
}
