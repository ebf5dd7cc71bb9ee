using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Reports;
using Ptq.Runtime;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq debug FP32_MODEL QUANT_MODEL --data SPEC [PREPROCESSING] [--limit N] --out DIR</c>: maps onto
/// <see cref="Debugger.Run"/> and <see cref="DebugReportFiles.Write"/>.
/// </summary>
internal static class DebugCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var fp32 = new Argument<string>("FP32_MODEL") { Description = "The float model the quantized one was made from." };
        var quantized = new Argument<string>("QUANT_MODEL") { Description = "The quantized (QDQ) model." };
        var limit = new Option<int>("--limit") { Description = "Samples to run through both models.", HelpName = "N", DefaultValueFactory = _ => DebugOptions.Default.Samples }.In(HelpSection.Input);
        var output = new Option<string>("--out", "-o") { Description = "Folder for debug_stats.csv, layer_errors.csv and report.html (created if needed).", Required = true, HelpName = "DIR" }.In(HelpSection.Output);
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads; 0: one per physical core.", HelpName = "N", DefaultValueFactory = _ => 0 }.In(HelpSection.Runtime);
        var data = new DataOptions();
        var logging = new LoggingOptions();
        var command = new Command("debug", "Compare a quantized model with its fp32 original tensor by tensor: per-tensor statistics CSV, per-layer SQNR, HTML report with plots.")
        {
            fp32, quantized, limit, output, threads,
        };
        data.AddTo(command, dataRequired: true);
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        logging.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var info = logging.Logger(parseResult, console, LogLevel.Info);
            var debug = logging.Logger(parseResult, console, LogLevel.Debug);
            int samples = parseResult.GetValue(limit);
            if (samples <= 0) throw new PtqException($"--limit must be a positive number of samples, got {samples}.");
            int threadCount = parseResult.GetValue(threads);
            if (threadCount < 0) throw new PtqException($"--threads must be 0 (ONNX Runtime's choice) or positive, got {threadCount}.");
            string outDir = parseResult.GetRequiredValue(output);

            using var floatModel = externalData.Load(parseResult, parseResult.GetRequiredValue(fp32));
            using var quantModel = externalData.Load(parseResult, parseResult.GetRequiredValue(quantized));
            var source = CalibrationSources.Create(ModelInputs.Of(floatModel), data.Specs(parseResult), data.ToSourceOptions(parseResult, samples));
            var feeds = source.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());
            var report = Debugger.Run(floatModel, quantModel, feeds,
                new DebugOptions { Samples = samples, IntraOpThreads = threadCount, Log = debug }, cancellationToken);
            var files = DebugReportFiles.Write(report, outDir, floatModel.DisplayName, quantModel.DisplayName);
            console.Out.WriteLine($"{report.Samples} samples, {report.Tensors.Count} tensors compared; output cosine {report.Output.MeanCosine:F5}, " +
                $"top-1 agreement {report.Output.AgreementPercent:F1} %");
            foreach (var d in report.Diagnoses)
            {
                var layer = report.Layers.First(l => l.TensorName == d.TensorName);
                console.Out.WriteLine($"{layer.Rank}. {d.TensorName} ({layer.Role.ToString().ToLowerInvariant()}): local {layer.LocalSqnrDb:F1} dB, accumulated {layer.SqnrDb:F1} dB");
                console.Out.WriteLine($"   {d.Finding}");
                console.Out.WriteLine($"   fix: {d.Fix}");
            }
            foreach (string file in files) console.Out.WriteLine($"wrote {file}");
            foreach (string note in report.Notes) info($"note: {note}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command.WithExamples(
            new("Which layers lose precision: CSV files and an HTML report with plots", "ptq debug model.onnx model.int8.onnx --data images/ --out report/"),
            new("With the preprocessing quantize used, on 32 samples", "ptq debug model.onnx model.int8.onnx --data images/ --resize-short 256 --crop 224,224 --limit 32 --out report/"));
    }
}
