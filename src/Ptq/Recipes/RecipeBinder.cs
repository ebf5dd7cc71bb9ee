using System.Globalization;
using Ptq.Data;

namespace Ptq.Recipes;

/// <summary>
/// Maps a recipe document (<see cref="RecipeMapping"/>, from YAML or JSON) onto a <see cref="QuantizationRecipe"/>: each
/// key is an option of <see cref="RecipeOptions"/> (the CLI flag names without the leading dashes), applied through the
/// option's own parser; <c>overrides</c> is a mapping bound here. Unknown keys are errors. Every message starts with the
/// source and position and names the key.
/// </summary>
internal sealed class RecipeBinder
{
    private static readonly Dictionary<string, Func<RecipeBinder, LayerOverride, RecipeNode, string, LayerOverride>> OverrideKeys = new(StringComparer.Ordinal)
    {
        ["act-bits"] = (b, o, v, k) => o with { ActBits = b.NullableInt(v, k) },
        ["weight-bits"] = (b, o, v, k) => o with { WeightBits = b.NullableInt(v, k) },
        ["act-mode"] = (b, o, v, k) => o with { ActMode = b.IsNull(v) ? null : Codecs.QuantModes.Parse(b.Text(v, k), k) },
        ["weight-mode"] = (b, o, v, k) => o with { WeightMode = b.IsNull(v) ? null : Codecs.QuantModes.Parse(b.Text(v, k), k) },
        ["method"] = (b, o, v, k) => o with { Method = b.IsNull(v) ? null : Codecs.Methods.Parse(b.Text(v, k), k) },
        ["skip"] = (b, o, v, k) => o with { Skip = b.Bool(v, k) },
    };

    private readonly string _source;

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
        var layer = new RecipeBuilder(baseline ?? QuantizationRecipe.Default);
        foreach (var (key, value) in mapping.Entries)
        {
            var option = RecipeOptions.Find(key)
                ?? throw binder.Fail(value, key, $"unknown key; expected one of {string.Join(", ", RecipeOptions.All.Select(o => o.Key))}.");
            if (option == RecipeOptions.Overrides)
                layer.Recipe = layer.Recipe with { Overrides = binder.Guard(value, key, () => binder.Overrides(value, key)) };
            else
                binder.Guard(value, key, () => { option.Apply(layer, binder.Values(option, value, key)); return true; });
        }
        return binder.Guard(mapping, "preprocessing", layer.Build);
    }

    /// <summary>The value texts of <paramref name="node"/> in the shape <paramref name="option"/> takes (null for a null the option accepts).</summary>
    private IReadOnlyList<string>? Values(RecipeOption option, RecipeNode node, string key) => node switch
    {
        RecipeScalar { Text: null } when option.AcceptsNull => null,
        RecipeScalar { Text: { } text } => [text],
        RecipeSequence seq when option.Shape == OptionShape.List => [.. seq.Items.Select(i => Text(i, key))],
        RecipeSequence seq when option.JoinsSequence => [string.Join(",", seq.Items.Select(i => Text(i, key)))],
        RecipeMapping when option.Shape == OptionShape.List => throw Fail(node, key, "expected a list such as [conv1, \"fc.*\"]."),
        _ => throw Fail(node, key, "expected a single value."),
    };

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

    private int? NullableInt(RecipeNode node, string key)
    {
        if (IsNull(node)) return null;
        string text = Text(node, key);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value : throw Fail(node, key, $"'{text}' is not an integer.");
    }

    private bool Bool(RecipeNode node, string key)
    {
        string text = Text(node, key);
        return bool.TryParse(text, out bool value) ? value : throw Fail(node, key, $"'{text}' is not true or false.");
    }
}
