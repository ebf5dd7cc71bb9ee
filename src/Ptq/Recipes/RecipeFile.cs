namespace Ptq.Recipes;

/// <summary>
/// Loads a recipe file (<c>--recipe FILE</c>) by extension: <c>.yaml</c>/<c>.yml</c> (<see cref="RecipeYamlReader"/>),
/// <c>.json</c> (<see cref="RecipeJsonReader"/>), <c>.cfg</c> (MindSpore Lite, <see cref="MindSporeConfigReader"/>).
/// The result is not validated as a whole, so flags can still be laid on top; call <see cref="QuantizationRecipe.Validate"/> after.
/// </summary>
public static class RecipeFile
{
    /// <summary>Reads <paramref name="path"/> over the defaults; <paramref name="warnings"/> receives keys that were read but not applied.</summary>
    /// <exception cref="RecipeException">Unknown extension, unreadable file, or bad content; the message names the file and the line or key.</exception>
    public static QuantizationRecipe Load(string path, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".yaml" or ".yml" or ".json" or ".cfg"))
            throw new RecipeException("--recipe", $"--recipe {path}: unknown recipe format '{extension}'; use .yaml/.yml or .json (Ptq recipe) or .cfg (MindSpore Lite).");
        string text = IO.InputFiles.ReadAllText(path, ResourceLimits.MaxConfigFileBytes,
            (problem, e) => new RecipeException("--recipe", $"--recipe {path}: cannot be read: {problem}", e));
        return extension switch
        {
            ".json" => RecipeJsonReader.Parse(text, path),
            ".cfg" => MindSporeConfigReader.Parse(text, path, warnings),
            _ => RecipeYamlReader.Parse(text, path),
        };
    }
}
