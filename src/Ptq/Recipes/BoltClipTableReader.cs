using System.Text.Json;

namespace Ptq.Recipes;

/// <summary>
/// Reads Bolt's clip table JSON: <c>{"layer": {"inputs": {"tensor": clip}, "weights": {...}, "outputs": {...}}}</c>.
/// Each role is optional; clips must be positive finite numbers. Any other key is an error naming the layer and key.
/// </summary>
internal static class BoltClipTableReader
{
    /// <summary>Reads a clip table file.</summary>
    /// <exception cref="RecipeException">Unreadable file, not JSON, a wrong shape or a bad clip; names the file and JSON path.</exception>
    public static ClipTable Load(string path)
    {
        string text = IO.InputFiles.ReadAllText(path, ResourceLimits.MaxConfigFileBytes,
            (problem, e) => new RecipeException("--clip-table", $"--clip-table {path}: cannot be read: {problem}", e));
        return Parse(text, path);
    }

    /// <summary>Parses clip table JSON; <paramref name="sourceName"/> names the origin in messages.</summary>
    /// <exception cref="RecipeException">Not JSON, a wrong shape or a bad clip.</exception>
    public static ClipTable Parse(string json, string sourceName = "<clip-table>")
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e)
        {
            throw new RecipeException("--clip-table", $"{sourceName}: line {(e.LineNumber ?? 0) + 1}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Fail(sourceName, "$", "must be an object of layer names to {inputs, weights, outputs}");
            var layers = new List<KeyValuePair<string, LayerClips>>();
            foreach (var layer in document.RootElement.EnumerateObject())
            {
                string path = $"$['{layer.Name}']";
                if (layer.Value.ValueKind != JsonValueKind.Object)
                    throw Fail(sourceName, path, "must be an object with inputs, weights and/or outputs");
                Dictionary<string, double> inputs = [], weights = [], outputs = [];
                foreach (var role in layer.Value.EnumerateObject())
                {
                    var target = role.Name switch
                    {
                        "inputs" => inputs,
                        "weights" => weights,
                        "outputs" => outputs,
                        _ => throw Fail(sourceName, $"{path}.{role.Name}", "unknown key; expected inputs, weights or outputs"),
                    };
                    Read(role.Value, target, sourceName, $"{path}.{role.Name}");
                }
                layers.Add(new(layer.Name, new LayerClips(inputs, weights, outputs)));
            }
            return new ClipTable(layers);
        }
    }

    private static void Read(JsonElement role, Dictionary<string, double> target, string source, string path)
    {
        if (role.ValueKind != JsonValueKind.Object)
            throw Fail(source, path, "must be an object of tensor names to clip values");
        foreach (var tensor in role.EnumerateObject())
        {
            string at = $"{path}['{tensor.Name}']";
            if (tensor.Value.ValueKind != JsonValueKind.Number || !tensor.Value.TryGetDouble(out double clip) || !(clip > 0 && double.IsFinite(clip)))
                throw Fail(source, at, $"{tensor.Value.GetRawText()} is not a positive clip value");
            target[tensor.Name] = clip;
        }
    }

    private static RecipeException Fail(string source, string path, string message) => new("--clip-table", $"{source}: {path}: {message}.");
}
