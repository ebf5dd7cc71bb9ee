namespace Ptq;

/// <summary>
/// A setting is invalid or conflicts with another. <see cref="Key"/> is the recipe key at fault (e.g. <c>act-bits</c>), or
/// the key of the file it was read from (e.g. MindSpore's <c>bit_num</c>); the message is worded with recipe keys and
/// <see cref="PtqException.MessageIn"/> renders it with flags instead, as the CLI does.
/// </summary>
public class SettingException : PtqException
{
    /// <summary>Creates an exception about <paramref name="option"/>; settings named in <paramref name="message"/> follow the caller's spelling.</summary>
    internal SettingException(ISetting option, FormattableString message, Exception? innerException = null)
        : base(message, innerException) => Key = (option ?? throw new ArgumentNullException(nameof(option))).Key;

    /// <summary>Creates an exception about <paramref name="key"/> with a message written out already (a file's own key, a nested recipe key).</summary>
    public SettingException(string key, string message, Exception? innerException = null) : base(message, innerException) => Key = key;

    /// <summary>The recipe key or file key at fault, e.g. <c>percentile</c>.</summary>
    public string Key { get; }
}
