namespace Ptq.Data;

/// <summary>Calibration data cannot be read or does not fit the model: a missing folder, a file of the wrong size, dtype or shape.</summary>
internal class DataSourceException : PtqException
{
    /// <summary>Creates an exception with an actionable message.</summary>
    public DataSourceException(string message) : base(message) { }

    /// <summary>Creates an exception with an actionable message and the low-level cause.</summary>
    public DataSourceException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates an exception about the data <paramref name="setting"/>; settings named in <paramref name="message"/> follow the caller's spelling.</summary>
    public DataSourceException(ISetting setting, FormattableString message) : base(message) => Setting = setting.Key;

    /// <summary>Creates an exception whose message names settings (<see cref="SettingName"/>) in the caller's spelling.</summary>
    protected DataSourceException(FormattableString message, Exception? innerException) : base(message, innerException) { }

    /// <summary>The key of the setting at fault (e.g. <c>data</c>), when the problem is in a setting rather than a file.</summary>
    public string? Setting { get; }
}

/// <summary>
/// A file's content is damaged or not in the format its name claims (an undecodable image, a malformed .npy header).
/// These, and only these, are skipped when <see cref="DataSourceOptions.SkipCorrupt"/> is set.
/// </summary>
internal sealed class CorruptFileException : DataSourceException
{
    /// <summary>Creates an exception naming the corrupt file.</summary>
    public CorruptFileException(string path, string message, Exception? innerException = null)
        : base(message, innerException) => FilePath = path;

    /// <summary>Creates an exception naming the corrupt file, with a message that names settings in the caller's spelling.</summary>
    public CorruptFileException(string path, FormattableString message)
        : base(message, null) => FilePath = path;

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Throws for a file that must not be opened: missing, empty, or a FIFO, device or socket (opening a FIFO blocks
    /// until a writer appears, so the check reads only the directory entry).
    /// </summary>
    internal static void ThrowIfNotReadable(string path)
    {
        if (IO.InputFiles.Problem(path) is { } problem)
            throw new CorruptFileException(path, $"Cannot read data file: {problem}.");
    }
}

/// <summary>A preprocessing option is invalid on its own or in combination with another one; <see cref="SettingException.Key"/> names it.</summary>
internal sealed class PreprocessingOptionException : SettingException
{
    /// <summary>Creates an exception about <paramref name="option"/>; settings named in <paramref name="message"/> follow the caller's spelling.</summary>
    public PreprocessingOptionException(ISetting option, FormattableString message) : base(option, message) { }

    /// <summary>Creates an exception naming <paramref name="optionName"/> with a message written out already.</summary>
    public PreprocessingOptionException(string optionName, string message) : base(optionName, message) { }
}
