namespace Ptq.Calibration;

/// <summary>A stats file (Ptq JSON or Distiller YAML) is unreadable, invalid, or cannot be merged. Names the file and the field.</summary>
internal sealed class StatsFileException : PtqException
{
    /// <summary>Creates the exception for <paramref name="file"/> and the JSON/YAML path <paramref name="field"/>.</summary>
    public StatsFileException(string file, string field, string problem, Exception? inner = null)
        : base($"Stats file '{file}', field '{field}': {problem}", inner)
    {
        File = file;
        Field = field;
    }

    /// <summary>File (or source name) at fault.</summary>
    public string File { get; }

    /// <summary>Path of the field at fault, e.g. "tensors.conv1.histogram.counts[3]".</summary>
    public string Field { get; }
}
