namespace Ptq.Evaluation;

/// <summary>
/// Ground-truth class indices for evaluation samples. A sample is identified by its
/// <see cref="Data.CalibrationSample.SourceName"/> (relative file path(s), joined by <c>" + "</c> for multi-input samples,
/// <c>file[i]</c> for a slice of an array or idx file) and its position in the enumeration.
/// </summary>
public interface ILabelSource
{
    /// <summary>Where the labels come from, for reports (e.g. <c>subfolders of data/test (10 classes)</c>).</summary>
    string Description { get; }

    /// <summary>The class index (≥ 0) of the sample named <paramref name="sourceName"/> at enumeration position <paramref name="sampleIndex"/>.</summary>
    /// <exception cref="LabelException">When the sample has no label; the message names the sample and the label file or folder.</exception>
    int LabelOf(string sourceName, int sampleIndex);
}

/// <summary>Labels cannot be read, are malformed (the message names file and line), or do not cover a sample.</summary>
internal sealed class LabelException : PtqException
{
    /// <summary>Creates an exception with an actionable message.</summary>
    public LabelException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Creates an exception whose message names settings (<see cref="SettingName"/>) in the caller's spelling.</summary>
    public LabelException(FormattableString message) : base(message) { }
}
