using System.CommandLine;
using Ptq.Cli.Help;
using System.Globalization;
using Ptq.Demo;
using Ptq.Reports;
using Spectre.Console;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq demo [--out DIR]</c>: the whole pipeline on the built-in sample model (<see cref="DemoRunner"/>), as a tour:
/// numbered steps on standard error while it runs, then the measurements, the files written and the commands that do
/// the same for the user's own model.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { HelpName = "DIR", Description = "Folder for the demo's models, quant_param.csv and debug report.", DefaultValueFactory = _ => "ptq-demo" }
            .In(HelpSection.Output);
        var command = new Command("demo", "Build a sample model, calibrate, quantize, evaluate int8 against fp32 and write the debug report.") { output };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var report = DemoRunner.Run(parseResult.GetRequiredValue(output), log: new SynchronousProgress<string>(line => console.Error.WriteLine($"ptq demo: {line}")), cancellationToken: cancellationToken);
            Write(console.Ansi, report);
            WriteFilesAndNextSteps(console.Out, report);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command.WithExamples(
            new("Run the demo; its report is ptq-demo/report.html", "ptq demo"),
            new("Write the demo's files somewhere else", "ptq demo --out /tmp/ptq-demo"));
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
            table.AddRow($"latency, batch {latency.BatchSize}, 1 thread",
                $"median fp32 {F(latency.Reference!.MedianMs, "F3")} ms, int8 {F(latency.Model.MedianMs, "F3")} ms ({F(latency.Speedup ?? double.NaN, "F2")}x)");
        }
        var s = report.Quantization.Summary;
        table.AddRow("quantized tensors", (s.Activations + s.Weights + s.Biases).ToString(CultureInfo.InvariantCulture));
        table.AddRow("folded / fused", $"{s.FoldedBatchNorms} BatchNorm / {s.FusedActivations} Relu");
        table.AddRow("biases corrected", s.BiasCorrections.ToString(CultureInfo.InvariantCulture));
        if (report.Quantization.Guard is { } guard)
            table.AddRow("accuracy guard", guard.Relaxed.Count == 0
                ? $"check cosine {F(guard.StartCosine ?? double.NaN, "F5")} {(guard.Met ? ">=" : "<")} {F(guard.Target, "G")}: {(guard.Met ? "passed" : "below it")}"
                : $"check cosine {F(guard.StartCosine ?? double.NaN, "F5")} < {F(guard.Target, "G")}: {guard.Describe()}, now {F(guard.Cosine, "F5")}");
        if (report.Debug.Layers.Count > 0)
        {
            var worst = report.Debug.Layers[0];
            table.AddRow("error starts at", $"{worst.TensorName} ({worst.Role.ToString().ToLowerInvariant()}), local {F(worst.LocalSqnrDb, "F1")} dB");
        }
        ansi.Write(table);
    }

    // Paths and commands as plain lines: a table cell would wrap them mid-path.
    private static void WriteFilesAndNextSteps(TextWriter output, DemoReport report)
    {
        output.WriteLine();
        output.WriteLine("Wrote:");
        foreach (string file in report.Files)
            output.WriteLine($"  {file}");
        output.WriteLine($"Open {report.DebugFiles.First(f => Path.GetFileName(f) == DebugReportFiles.HtmlFile)} in a browser for the per-layer errors.");
        output.WriteLine();
        output.WriteLine("Next, with your own model and a folder of sample inputs (images, .npy, ...; add your model's preprocessing");
        output.WriteLine("flags to each command, e.g. --resize-short 256 --crop 224,224 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375):");
        output.WriteLine("  ptq quantize YOUR.onnx --data SAMPLES/ -o YOUR.int8.onnx");
        output.WriteLine("  ptq eval YOUR.int8.onnx --ref YOUR.onnx --data SAMPLES/");
        output.WriteLine("  ptq debug YOUR.onnx YOUR.int8.onnx --data SAMPLES/ --out report/");
    }
}
