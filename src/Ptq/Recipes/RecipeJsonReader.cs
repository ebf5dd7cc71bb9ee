using System.Text.Json;

namespace Ptq.Recipes;

/// <summary>
/// Reads a Ptq JSON recipe: the same keys and values as <see cref="RecipeYamlReader"/>, e.g.
/// <c>{"act-bits": 8, "method": "kl", "skip": ["conv1"], "overrides": {"conv.*": {"weight-bits": 4}}}</c>.
/// Comments and trailing commas are allowed. Messages name the key path (JSON parsing gives no positions for values).
/// </summary>
internal static class RecipeJsonReader
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses JSON text; <paramref name="sourceName"/> names the origin in messages. Combinations are not validated.</summary>
    /// <exception cref="RecipeException">Not JSON, an unknown key or a bad value; the message names the source and key.</exception>
    public static QuantizationRecipe Parse(string json, string sourceName = "<recipe>", QuantizationRecipe? baseline = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new RecipeException("(json)", $"{sourceName}: line {(e.LineNumber ?? 0) + 1}: not valid JSON: {e.Message}", e);
        }
        using (document)
            return RecipeBinder.Bind(Convert(document.RootElement), sourceName, baseline);
    }

    private static RecipeNode Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new RecipeMapping(
            element.EnumerateObject().Select(p => new KeyValuePair<string, RecipeNode>(p.Name, Convert(p.Value))).ToArray(), ""),
        JsonValueKind.Array => new RecipeSequence(element.EnumerateArray().Select(Convert).ToArray(), ""),
        JsonValueKind.String => new RecipeScalar(element.GetString(), ""),
        JsonValueKind.Null or JsonValueKind.Undefined => new RecipeScalar(null, ""),
        _ => new RecipeScalar(element.GetRawText(), ""),
    };
}
