using Ptq.IO;
namespace Ptq.Reports;

/// <summary>Writes a <see cref="DebugReport"/> as the files of <c>ptq debug --out DIR</c>.</summary>
internal static class DebugReportFiles
{
    /// <summary>Per-tensor statistics (<see cref="DebugCsv.WriteStats"/>).</summary>
    public const string StatsFile = "debug_stats.csv";

    /// <summary>Sensitivity ranking (<see cref="DebugCsv.WriteLayers"/>).</summary>
    public const string LayersFile = "layer_errors.csv";

    /// <summary>The self-contained HTML report (<see cref="DebugHtml.Write"/>).</summary>
    public const string HtmlFile = "report.html";

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and writes <see cref="StatsFile"/>, <see cref="LayersFile"/> and
    /// <see cref="HtmlFile"/> into it, each to a temporary file first and then renamed, so no file is ever half-written.
    /// Returns the paths written.
    /// </summary>
    /// <exception cref="PtqException">When the folder cannot be created or written.</exception>
    public static IReadOnlyList<string> Write(DebugReport report, string directory, string floatModelName, string quantizedModelName)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        try
        {
            Directory.CreateDirectory(directory);
            string stats = Path.Combine(directory, StatsFile), layers = Path.Combine(directory, LayersFile), html = Path.Combine(directory, HtmlFile);
            AtomicFile.WriteText(stats, w => DebugCsv.WriteStats(w, report.Tensors));
            AtomicFile.WriteText(layers, w => DebugCsv.WriteLayers(w, report));
            AtomicFile.WriteText(html, w => DebugHtml.Write(w, report, floatModelName, quantizedModelName));
            return [stats, layers, html];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PtqException($"cannot write the debug report to '{directory}': {ex.Message}", ex);
        }
    }
}
