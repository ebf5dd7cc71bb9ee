namespace Ptq.Evaluation;

/// <summary>
/// <c>--labels subdirs</c>: a sample's class is the position of its folder name among the data folder's sub-folder names
/// sorted ordinally (e.g. cifar10/test/airplane … truck → 0 … 9). Hidden folders (leading '.') are not classes.
/// </summary>
internal sealed class SubfolderLabels : ILabelSource
{
    private readonly Dictionary<string, int> _classes;
    private readonly string _root;

    /// <summary>Lists the class folders of <paramref name="dataFolder"/> (the folder the samples' relative names start from).</summary>
    /// <exception cref="LabelException">When the folder does not exist or has no sub-folders.</exception>
    public SubfolderLabels(string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(dataFolder);
        if (!Directory.Exists(dataFolder))
            throw new LabelException((FormattableString)$"{SettingName.Labels} subdirs: data folder '{dataFolder}' does not exist.");
        ClassNames = [.. Directory.EnumerateDirectories(dataFolder).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal)];
        if (ClassNames.Count == 0)
            throw new LabelException((FormattableString)$"{SettingName.Labels} subdirs: '{dataFolder}' has no sub-folders; expected one folder per class (DATA/<class>/<file>).");
        _classes = ClassNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        _root = dataFolder;
    }

    /// <summary>Class folder names in class-index order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc/>
    public string Description => $"sub-folders of '{_root}' ({ClassNames.Count} classes)";

    /// <inheritdoc/>
    public int LabelOf(string sourceName, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        string file = LabelText.FirstFile(sourceName);
        int slash = file.IndexOf('/');
        if (slash <= 0)
            throw new LabelException((FormattableString)$"Sample '{sourceName}' is not inside a class folder of '{_root}'; {SettingName.Labels} subdirs needs DATA/<class>/<file> (read the folder recursively).");
        string folder = file[..slash];
        return _classes.TryGetValue(folder, out int label)
            ? label
            : throw new LabelException($"Sample '{sourceName}': folder '{folder}' is not a class folder of '{_root}'.");
    }
}
