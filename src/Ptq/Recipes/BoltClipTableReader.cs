using System.Globalization;
using System.Text.Json;

namespace Ptq.Recipes;

/// <summary>
/// Reads Bolt's clip tables, in both of its documented forms: the JSON table of the newer tool,
/// <c>{"layer": {"inputs": {"tensor": clip}, "weights": {...}, "outputs": {...}}}</c> (each role optional; any other key
/// is an error naming the layer and key), and the text table of the older one, one <c>tensor_name clipvalue</c> per
/// line, given as a file or as a folder whose <c>.txt</c> files are read in name order. Clips must be positive finite
/// numbers.
/// </summary>
internal static class BoltClipTableReader
{
    /// <summary>Reads a clip table: a JSON file (<c>.json</c>, or text starting with <c>{</c>), a text table, or a folder of text tables.</summary>
    /// <exception cref="RecipeException">Unreadable file, an empty folder, not JSON, a wrong shape or a bad clip; names the file and JSON path or line.</exception>
    public static ClipTable Load(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.txt").Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new RecipeException("--clip-table", $"--clip-table {path}: the folder has no .txt clip tables (lines of 'tensor_name clipvalue').");
            return new ClipTable([.. files.SelectMany(f => ParseText(Read(f), f).Layers)]);
        }
        string text = Read(path);
        bool json = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');
        return json ? Parse(text, path) : ParseText(text, path);
    }

    private static string Read(string path) => IO.InputFiles.ReadAllText(path, ResourceLimits.MaxConfigFileBytes,
        (problem, e) => new RecipeException("--clip-table", $"--clip-table {path}: cannot be read: {problem}", e));

    /// <summary>
    /// Parses a text clip table (Bolt's older form): one <c>tensor_name clipvalue</c> per line, blank lines and lines
    /// starting with <c>#</c> ignored. The tensors form one layer named after <paramref name="sourceName"/>, as outputs.
    /// </summary>
    /// <exception cref="RecipeException">A line that is not a name and a positive clip; names the source and line.</exception>
    public static ClipTable ParseText(string text, string sourceName = "<clip-table>")
    {
        ArgumentNullException.ThrowIfNull(text);
        var outputs = new Dictionary<string, double>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new RecipeException("--clip-table", $"{sourceName}: line {i + 1}: expected 'tensor_name clipvalue', got '{line}'.");
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double clip) || !(clip > 0 && double.IsFinite(clip)))
                throw new RecipeException("--clip-table", $"{sourceName}: line {i + 1}: '{parts[1]}' is not a positive clip value.");
            if (!outputs.TryAdd(parts[0], clip))
                throw new RecipeException("--clip-table", $"{sourceName}: line {i + 1}: tensor '{parts[0]}' is listed twice; keep one.");
        }
        return new ClipTable([new(Path.GetFileNameWithoutExtension(sourceName), new LayerClips(new Dictionary<string, double>(), new Dictionary<string, double>(), outputs))]);
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
