namespace Ptq.Evaluation;

/// <summary>Builds an <see cref="ILabelSource"/> from the CLI's <c>--labels subdirs|FILE|prefix:CLASSLIST</c> value.</summary>
internal static class LabelSources
{
    /// <summary>
    /// <c>subdirs</c> → <see cref="SubfolderLabels"/> over <paramref name="dataFolder"/>; <c>prefix:CLASSLIST</c> →
    /// <see cref="PrefixLabels"/>; a FILE whose name contains <c>idx1</c> → <see cref="IdxLabels"/>; any other FILE →
    /// <see cref="LabelFile"/>.
    /// </summary>
    /// <param name="value">The <c>--labels</c> value.</param>
    /// <param name="dataFolder">The <c>--data</c> folder (the PATH of a <c>NAME:PATH</c> SPEC); needed for <c>subdirs</c> only.</param>
    /// <exception cref="LabelException">When <c>subdirs</c> comes without a data folder, or the labels cannot be read (see each source).</exception>
    /// <exception cref="Data.DataSourceException">When an idx1 file is malformed.</exception>
    public static ILabelSource Parse(string value, string? dataFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (value == "subdirs")
            return new SubfolderLabels(dataFolder ?? throw new LabelException((FormattableString)$"{SettingName.Labels} subdirs needs {SettingName.Data} to name a folder with one sub-folder per class."));
        if (value.StartsWith("prefix:", StringComparison.Ordinal))
            return new PrefixLabels(value["prefix:".Length..]);
        return Path.GetFileName(value).Contains("idx1", StringComparison.OrdinalIgnoreCase) ? new IdxLabels(value) : new LabelFile(value);
    }
}
