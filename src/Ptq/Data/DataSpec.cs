namespace Ptq.Data;

/// <summary>One parsed <c>--data SPEC</c>: a file or folder, optionally bound to a model input (<c>INPUT_NAME:PATH</c>).</summary>
/// <param name="InputName">The model input the data feeds, or null when the SPEC did not name one.</param>
/// <param name="Path">File or folder path.</param>
internal sealed record DataSpec(string? InputName, string Path)
{
    /// <summary>
    /// Parses <paramref name="spec"/>. The text before the first ':' is taken as an input name only when it equals one of
    /// <paramref name="inputNames"/> (ordinal); otherwise the whole text is a path, so <c>C:\data</c> and <c>/a:b/c</c> stay paths
    /// unless a model input is literally called <c>C</c> or <c>/a</c>. Input names that themselves contain ':' are matched in full
    /// (the longest matching name wins).
    /// </summary>
    /// <exception cref="DataSourceException">When the spec is empty or names an input but no path.</exception>
    public static DataSpec Parse(string spec, IEnumerable<string> inputNames)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(inputNames);
        if (string.IsNullOrWhiteSpace(spec)) throw new DataSourceException(SettingName.Data, $"{SettingName.Data} got an empty SPEC; give a folder, a file or INPUT_NAME:PATH.");
        string? best = null;
        foreach (string name in inputNames)
        {
            if (spec.Length > name.Length && spec[name.Length] == ':' && spec.StartsWith(name, StringComparison.Ordinal) && (best is null || name.Length > best.Length))
                best = name;
        }
        if (best is null) return new DataSpec(null, spec);
        string path = spec[(best.Length + 1)..];
        if (path.Length == 0) throw new DataSourceException(SettingName.Data, $"{SettingName.Data} '{spec}' names input '{best}' but no path after ':'.");
        return new DataSpec(best, path);
    }

    /// <inheritdoc/>
    public override string ToString() => InputName is null ? Path : $"{InputName}:{Path}";
}
