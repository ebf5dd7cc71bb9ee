using System.Globalization;
using CsvHelper;

namespace Ptq.Reports;

/// <summary>
/// The CSV files of the debug report (invariant culture, '\n' line ends, numbers with 7 significant digits,
/// "Infinity"/"-Infinity"/"NaN" for non-finite values).
/// </summary>
internal static class DebugCsv
{
    /// <summary>Columns of <c>debug_stats.csv</c>, MindSpore's names and order.</summary>
    public static IReadOnlyList<string> StatsColumns { get; } =
        ["NodeName", "NodeType", "TensorName", "InOutFlag", "DataTypeFlag", "TensorTypeFlag", "Min", "Q1", "Median", "Q3", "Max", "Mean", "Var", "Sparsity", "Clip", "CosineSimilarity"];

    /// <summary>
    /// Columns of <c>layer_errors.csv</c>: the HTML report's ranking in the same units (SQNR in dB, clipped values in
    /// percent), then where a node Ptq added comes from and, for the diagnosed layers, the finding and its fix.
    /// </summary>
    public static IReadOnlyList<string> LayerColumns { get; } =
        ["Rank", "NodeName", "NodeType", "TensorName", "Role", "LocalSqnrDb", "SqnrDb", "CosineSimilarity", "ClippedPercent", "NodeOrigin", "Diagnosis", "Fix"];

    /// <summary>
    /// Writes two rows per tensor: <c>Origin</c> (the fp32 values) then <c>Dequant</c> (the dequantized values).
    /// InOutFlag is <c>Input</c> or <c>Output</c> of NodeName; TensorTypeFlag is <c>Activation</c> or <c>Weight</c> (biases
    /// count as weights). Clip and CosineSimilarity describe the pair, so both rows carry the same values.
    /// </summary>
    public static void WriteStats(TextWriter writer, IEnumerable<TensorDebugRecord> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var csv = NewWriter(writer);
        csv.WriteRecord([.. StatsColumns]);
        foreach (var t in tensors)
        {
            foreach (var (flag, s) in new[] { ("Origin", t.Origin), ("Dequant", t.Dequant) })
            {
                csv.WriteField(t.NodeName);
                csv.WriteField(t.NodeType);
                csv.WriteField(t.TensorName);
                csv.WriteField(t.IsNodeInput ? "Input" : "Output");
                csv.WriteField(flag);
                csv.WriteField(t.Role == TensorRole.Activation ? "Activation" : "Weight");
                foreach (double v in new[] { s.Min, s.Q1, s.Median, s.Q3, s.Max, s.Mean, s.Var, s.Sparsity, t.Clip, t.Cosine })
                    csv.WriteField(Number(v));
                csv.EndRecord();
            }
        }
    }

    /// <summary>Writes the ranking, worst local SQNR first, with <paramref name="report"/>'s node origins and diagnoses.</summary>
    public static void WriteLayers(TextWriter writer, DebugReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var csv = NewWriter(writer);
        csv.WriteRecord([.. LayerColumns]);
        var diagnoses = report.Diagnoses.ToDictionary(d => d.TensorName, StringComparer.Ordinal);
        foreach (var l in report.Layers)
        {
            csv.WriteField(l.Rank.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(l.NodeName);
            csv.WriteField(l.NodeType);
            csv.WriteField(l.TensorName);
            csv.WriteField(l.Role.ToString());
            csv.WriteField(Number(l.LocalSqnrDb));
            csv.WriteField(Number(l.SqnrDb));
            csv.WriteField(Number(l.Cosine));
            csv.WriteField(Number(100 * l.Clip));
            csv.WriteField(report.NodeOrigins.GetValueOrDefault(l.NodeName) ?? "");
            var diagnosis = diagnoses.GetValueOrDefault(l.TensorName);
            csv.WriteField(diagnosis?.Finding ?? "");
            csv.WriteField(diagnosis?.Fix ?? "");
            csv.EndRecord();
        }
    }

    /// <summary>A number as written in the CSV files: 7 significant digits, invariant culture.</summary>
    public static string Number(double value) => value.ToString("G7", CultureInfo.InvariantCulture);

    private static CsvWriter NewWriter(TextWriter writer) =>
        CsvWriter.Create(writer, new CsvWriterOptions { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture }, true);
}
