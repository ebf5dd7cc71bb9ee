using System.CommandLine;
using System.Globalization;
using Ptq.Demo;
using Spectre.Console;

namespace Ptq.Cli.Commands;

/// <summary><c>ptq demo [--out DIR]</c>: the whole pipeline on the built-in sample model (<see cref="DemoRunner"/>).</summary>
internal static class DemoCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { HelpName = "DIR", Description = "Folder for the demo's models and quant_param.csv (default: ptq-demo).", DefaultValueFactory = _ => "ptq-demo" };
        var command = new Command("demo", "Build a sample model, calibrate, quantize, evaluate int8 against fp32 and print the report.") { output };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var report = DemoRunner.Run(parseResult.GetRequiredValue(output), log: new SynchronousProgress<string>(line => console.Error.WriteLine($"ptq demo: {line}")), cancellationToken: cancellationToken);
            Write(console.Ansi, report);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static void Write(IAnsiConsole ansi, DemoReport report)
    {
        var e = report.Evaluation;
        var c = e.Comparison!;
        var table = new Table().Title("ptq demo: int8 vs fp32").AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        table.AddRow("evaluation samples", e.Samples.ToString(CultureInfo.InvariantCulture));
        table.AddRow("top-1 agreement with fp32", F(c.AgreementPercent, "F2") + " %");
        table.AddRow("output cosine (mean / min)", $"{F(c.MeanCosine, "F5")} / {F(c.MinCosine, "F5")}");
        table.AddRow("output SQNR", F(c.SqnrDb, "F1") + " dB");
        if (e.ModelBytes is { } q && e.ReferenceBytes is { } f)
            table.AddRow("model size fp32 -> int8", $"{f:N0} -> {q:N0} bytes ({F((double)f / q, "F2")}x smaller)");
        foreach (var latency in e.Latency)
        {
            table.AddRow($"latency batch {latency.BatchSize}, 1 thread (median)",
                $"fp32 {F(latency.Reference!.MedianMs, "F3")} ms, int8 {F(latency.Model.MedianMs, "F3")} ms ({F(latency.Speedup ?? double.NaN, "F2")}x)");
        }
        var s = report.Quantization;
        table.AddRow("quantized tensors", $"{s.Tensors.Count} ({s.FoldedBatchNorms} BN folded, {s.FusedActivations} Relu fused, {s.BiasCorrections.Count} biases corrected)");
        var guard = report.Guard;
        table.AddRow("accuracy guard", guard.Search is null
            ? $"check cosine {F(guard.PlainCosine, "F5")} >= {F(guard.Guard, "G")}: passed"
            : $"check cosine {F(guard.PlainCosine, "F5")} < {F(guard.Guard, "G")}: {guard.Search.Reverted.Count} activations kept float, now {F(guard.Cosine, "F5")}");
        table.AddRow("files", $"{report.Fp32Path}, {report.Int8Path}, {report.QuantParamPath}");
        ansi.Write(table);
    }
}
