using Ptq.IO;
using SharpYaml.Model;

namespace Ptq.Recipes;

/// <summary>
/// Reads a Ptq YAML recipe: a mapping whose keys are the <c>ptq quantize</c> flag names without dashes, e.g.
/// <c>act-bits: 8</c>, <c>method: kl</c>, <c>skip: [conv1]</c>, <c>mean: [104, 117, 123]</c>,
/// <c>overrides: {"conv.*": {weight-bits: 4}}</c> (see <see cref="QuantizationRecipe"/> for every key). This is the format
/// <see cref="RecipeYamlWriter"/> writes. An empty document is the default recipe.
/// </summary>
internal static class RecipeYamlReader
{
    /// <summary>Parses YAML text; <paramref name="sourceName"/> names the origin in messages. Combinations are not validated (see <see cref="QuantizationRecipe.Validate"/>).</summary>
    /// <exception cref="RecipeException">Not YAML, an unknown key or a bad value; the message names the source, line and key.</exception>
    public static QuantizationRecipe Parse(string yaml, string sourceName = "<recipe>", QuantizationRecipe? baseline = null) =>
        Tree(yaml, sourceName) is { } root ? RecipeBinder.Bind(root, sourceName, baseline) : baseline ?? QuantizationRecipe.Default;

    /// <summary>The document of YAML text as a <see cref="RecipeNode"/> tree, or null for an empty document.</summary>
    /// <exception cref="RecipeException">Not YAML, or beyond the YAML budget; names the source and line.</exception>
    public static RecipeNode? Tree(string yaml, string sourceName)
    {
        YamlStream stream;
        try
        {
            if (YamlBudget.Problem(yaml) is { } problem)
                throw new RecipeException("(yaml)", $"{sourceName}: {problem}.");
            stream = YamlStream.Load(new StringReader(yaml));
        }
        catch (SharpYaml.YamlException e)
        {
            throw new RecipeException("(yaml)", $"{sourceName}: line {e.Start.Line + 1}: not valid YAML: {e.Message}", e);
        }
        return stream.Count == 0 || stream[0].Contents is null ? null : Convert(stream[0].Contents);
    }

    private static RecipeNode Convert(YamlElement? element) => element switch
    {
        YamlValue v => new RecipeScalar(IsNull(v) ? null : v.Value, At(v.Scalar.Start)),
        YamlSequence s => new RecipeSequence(s.Select(Convert).ToArray(), At(s.SequenceStart.Start)),
        YamlMapping m => new RecipeMapping(
            m.Select(e => new KeyValuePair<string, RecipeNode>(e.Key is YamlValue k ? k.Value : e.Key.ToString() ?? "", Convert(e.Value))).ToArray(),
            At(m.MappingStart.Start)),
        null => new RecipeScalar(null, ""),
        _ => new RecipeScalar(element.ToString(), ""),
    };

    private static bool IsNull(YamlValue v) =>
        v.Scalar.Style == SharpYaml.ScalarStyle.Plain && v.Value is "" or "~" or "null" or "Null" or "NULL";

    private static string At(SharpYaml.Mark mark) => $"line {mark.Line + 1}";
}
