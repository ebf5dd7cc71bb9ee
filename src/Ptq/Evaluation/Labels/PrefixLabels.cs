namespace Ptq.Evaluation;

/// <summary>
/// <c>--labels prefix:CLASSLIST</c>: a sample's class is the line index (0-based, blank lines not counted) in CLASSLIST of its
/// file-name prefix. The prefix is the file name (last path segment) up to its first '_', or the name without extension when it
/// has no '_'; each CLASSLIST line contributes its first field (up to a comma or whitespace). ImageNet:
/// <c>n01440764_tench.JPEG</c> → <c>n01440764</c> → line 0 of <c>imagenet_wnids.txt</c>.
/// </summary>
internal sealed class PrefixLabels : ILabelSource
{
    private readonly Dictionary<string, int> _classes = new(StringComparer.Ordinal);

    /// <summary>Reads the class list.</summary>
    /// <exception cref="LabelException">When the file cannot be read, is empty, or repeats a class (names both lines).</exception>
    public PrefixLabels(string classListPath)
    {
        ArgumentNullException.ThrowIfNull(classListPath);
        ClassListPath = classListPath;
        string[] lines = LabelText.ReadLines(classListPath, "class list");
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            string key = LabelText.FirstField(lines[i]);
            if (!firstLine.TryAdd(key, i))
                throw new LabelException($"Class list '{classListPath}' line {i + 1} repeats class '{key}' (first on line {firstLine[key] + 1}).");
            _classes[key] = _classes.Count;
        }
        if (_classes.Count == 0) throw new LabelException($"Class list '{classListPath}' has no classes.");
    }

    /// <summary>The class list read.</summary>
    public string ClassListPath { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount => _classes.Count;

    /// <inheritdoc/>
    public string Description => $"file-name prefixes in class list '{ClassListPath}' ({ClassCount} classes)";

    /// <summary>The prefix of <paramref name="fileName"/> that names its class (see the type's remarks).</summary>
    public static string PrefixOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        string name = LabelText.FileName(fileName);
        int underscore = name.IndexOf('_');
        return underscore >= 0 ? name[..underscore] : System.IO.Path.GetFileNameWithoutExtension(name);
    }

    /// <inheritdoc/>
    public int LabelOf(string sourceName, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        string prefix = PrefixOf(LabelText.FirstFile(sourceName));
        return _classes.TryGetValue(prefix, out int label)
            ? label
            : throw new LabelException($"Sample '{sourceName}': prefix '{prefix}' is not in class list '{ClassListPath}'.");
    }
}
