namespace Ptq.Data;

/// <summary>
/// A finite, deterministic stream of calibration samples. Enumeration decodes one sample at a time,
/// so memory does not grow with the number of samples; every enumeration yields the same sequence.
/// </summary>
public interface ICalibrationSource : IEnumerable<CalibrationSample>
{
    /// <summary>
    /// Number of samples an enumeration yields: the number of available samples capped by the sample limit.
    /// With <see cref="DataSourceOptions.SkipCorrupt"/> the stream can yield fewer when corrupt files are met
    /// after the last good one.
    /// </summary>
    int Count { get; }

    /// <summary>Number of samples skipped as corrupt by the enumerations so far, each counted once (0 unless skipping is enabled).</summary>
    int SkippedFiles { get; }

    /// <summary>The model inputs every sample provides.</summary>
    IReadOnlyList<ModelInputInfo> Inputs { get; }

    /// <summary>
    /// Up to <paramref name="count"/> samples spread evenly over the stream (positions ⌊j · <see cref="Count"/> /
    /// <paramref name="count"/>⌋), decoding only those; all of them when the stream is no longer. A check set drawn from
    /// a folder sorted by class then covers the classes instead of the first one. Corrupt files are skipped (and
    /// counted) under <see cref="DataSourceOptions.SkipCorrupt"/>, so fewer may come back.
    /// </summary>
    IEnumerable<CalibrationSample> Spread(int count);
}
