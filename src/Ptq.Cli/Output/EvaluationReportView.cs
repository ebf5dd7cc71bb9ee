using System.Globalization;
using Ptq.Evaluation;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ptq.Cli.Output;

/// <summary>Renders an <see cref="EvaluationReport"/> as Spectre tables for people.</summary>
internal static class EvaluationReportView
{
    public static void Write(IAnsiConsole console, EvaluationReport report, string modelName, string? referenceName)
    {
        var summary = NewTable($"Evaluation of {modelName}", "Property", "Value");
        AddRow(summary, "samples", report.Samples.ToString(CultureInfo.InvariantCulture));
        AddRow(summary, "output", report.OutputName);
        if (report.Targets is { } targets)
            AddRow(summary, "targets", targets);
        else
            AddRow(summary, "labels", report.Labels ?? "(none)");
        if (report.ModelBytes is { } bytes) AddRow(summary, "model size", Size(bytes));
        if (report.ReferenceBytes is { } refBytes) AddRow(summary, "reference size", Size(refBytes));
        AddRow(summary, "elapsed", $"{report.ElapsedMs / 1000:F1} s");
        console.Write(summary);

        if (report.Accuracy is { } accuracy)
        {
            var table = NewTable("Accuracy", "Model", "Top-1", "Top-5", "Labelled");
            RightAlign(table, 1, 2, 3);
            AddAccuracy(table, referenceName is null ? modelName : $"{modelName} (model)", accuracy);
            if (report.ReferenceAccuracy is { } reference) AddAccuracy(table, $"{referenceName} (reference)", reference);
            console.Write(table);
        }
        if (report.Perplexity is { } perplexity)
        {
            var table = NewTable($"Perplexity on {report.Targets}", "Model", "Perplexity", "Bits/token", "Next-token top-1", "Tokens");
            RightAlign(table, 1, 2, 3, 4);
            AddPerplexity(table, referenceName is null ? modelName : $"{modelName} (model)", perplexity);
            if (report.ReferencePerplexity is { } reference)
            {
                AddPerplexity(table, $"{referenceName} (reference)", reference);
                AddRow(table, "change", $"{Number(100 * (perplexity.Perplexity / reference.Perplexity - 1), "+0.00;-0.00")} %", "", "", "");
            }
            console.Write(table);
        }
        if (report.Comparison is { } c)
        {
            var table = NewTable($"Output vs reference ({c.Samples} samples)", "Metric", "Value");
            RightAlign(table, 1);
            // A sequence output (one score row per position) is compared position by position.
            AddRow(table, c.ArgmaxRows > c.Samples ? "top-1 agreement per position" : "top-1 agreement", $"{Number(c.AgreementPercent, "F2")} % ({c.ArgmaxAgreements}/{c.ArgmaxRows})");
            if (c.ArgmaxRows > c.ArgmaxAgreements)
                AddRow(table, "where they disagree: reference's gap mean / max; rows as close",
                    $"{Number(100 * c.DisagreementGap.Mean, "F1")} % / {Number(100 * c.DisagreementGap.Max, "F1")} %; {Number(100 * c.CloseRows, "F1")} %");
            AddRow(table, "cosine mean / min", $"{Number(c.MeanCosine, "F5")} / {Number(c.MinCosine, "F5")}");
            AddRow(table, "SQNR (dB)", Number(c.SqnrDb, "F2"));
            AddRow(table, "mean abs error", Number(c.MeanAbsError, "G4"));
            AddRow(table, "max abs error", Number(c.MaxAbsError, "G4"));
            console.Write(table);
        }
        if (report.Latency.Count > 0)
        {
            var table = NewTable("Latency (median of timed runs)", "Batch", "Model ms", "Model p90 ms", "Reference ms", "Speed-up");
            RightAlign(table, 0, 1, 2, 3, 4);
            foreach (var l in report.Latency)
                AddRow(table, l.BatchSize.ToString(CultureInfo.InvariantCulture), Number(l.Model.MedianMs, "F2"), Number(l.Model.P90Ms, "F2"),
                    l.Reference is null ? "-" : Number(l.Reference.MedianMs, "F2"), l.Speedup is { } s ? $"{Number(s, "F2")}x" : "-");
            console.Write(table);
        }
        foreach (string note in report.Notes)
            console.Write(new Text($"note: {note}\n"));
    }

    private static void AddAccuracy(Table table, string name, AccuracyResult a) =>
        AddRow(table, name, $"{Number(a.Top1Percent, "F2")} % ({a.Top1Correct})", $"{Number(a.Top5Percent, "F2")} % ({a.Top5Correct})", a.Labelled.ToString(CultureInfo.InvariantCulture));

    private static void AddPerplexity(Table table, string name, PerplexityResult p) =>
        AddRow(table, name, Number(p.Perplexity, "F4"), Number(p.BitsPerToken, "F4"), $"{Number(p.Top1Percent, "F2")} %", p.Tokens.ToString(CultureInfo.InvariantCulture));

    private static Table NewTable(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)), Border = TableBorder.Rounded };
        foreach (string column in columns)
            table.AddColumn(new TableColumn(new Text(column)));
        return table;
    }

    private static void AddRow(Table table, params string[] cells) => table.AddRow(cells.Select(c => (IRenderable)new Text(c)));

    private static void RightAlign(Table table, params int[] columns)
    {
        foreach (int c in columns) table.Columns[c].RightAligned();
    }

    private static string Number(double value, string format) =>
        double.IsPositiveInfinity(value) ? "+inf" : double.IsNegativeInfinity(value) ? "-inf" : double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes >= 1 << 20
        ? $"{(bytes / 1048576.0).ToString("F2", CultureInfo.InvariantCulture)} MiB"
        : $"{(bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture)} KiB";
}
