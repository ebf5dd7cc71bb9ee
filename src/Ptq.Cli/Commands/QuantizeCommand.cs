using System.CommandLine;
using System.Globalization;
using Ptq.Calibration;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Cli.Output;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Recipes;
using Ptq.Reports;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq quantize MODEL (--data SPEC... | --stats STATS.json) -o OUT.onnx [recipe flags]</c>: maps the recipe onto
/// <see cref="StaticQuantizer.Quantize"/>, saves the model and quant_param.csv beside it, and prints a summary.
/// </summary>
internal static class QuantizeCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("MODEL") { Description = "The float ONNX model." };
        var output = OutputOption.Create("OUT.onnx", "Where to write the quantized model; quant_param.csv goes beside it.");
        var logging = new LoggingOptions();
        var quantize = new QuantizeOptions();
        var command = new Command("quantize", "Quantize a float model (calibrate, choose parameters, rewrite to QDQ).") { model, output };
        logging.AddTo(command);
        quantize.AddTo(command);
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var warnings = new List<string>();
            var recipe = quantize.ToRecipe(parseResult, warnings);
            foreach (string warning in warnings)
                console.Error.WriteLine($"ptq: warning: {warning}");
            string outputPath = parseResult.GetRequiredValue(output);
            using var loaded = externalData.Load(parseResult, parseResult.GetRequiredValue(model));
            var run = CalibrationProgressView.Run(console, "calibrating", null, progress =>
                RecipeQuantizer.Run(loaded, recipe, null, progress,
                    new SynchronousProgress<string>(logging.Logger(parseResult, console, LogLevel.Info)), cancellationToken));
            var result = run.Result;
            foreach (string warning in run.Warnings)
                console.Error.WriteLine($"ptq: warning: {warning}");
            if (run.SkippedFiles > 0)
                console.Error.WriteLine($"ptq: warning: skipped {run.SkippedFiles} unreadable files (--skip-corrupt)");

            LogDecisions(logging.Logger(parseResult, console, LogLevel.Debug), result, recipe.Method);
            string csvPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, "quant_param.csv");
            using (var outputs = new Ptq.IO.AtomicCommit()) // the model and its CSV appear together or not at all
            {
                ModelIO.Save(result.Model, outputPath, null, outputs);
                QuantParamCsv.Write(csvPath, result.Tensors, result.BiasCorrections, outputs);
                outputs.Commit();
            }
            WriteSummary(console.Out, QuantizationSummary.Of(result), outputPath, csvPath);
            if (run.Guard is { } guard)
                AccuracyGuardView.Write(console.Out, guard);
            if (run.Fallback is { } fallback && run.TargetCosine is { } target)
                TargetSearchView.Write(console.Out, recipe, fallback, target);
            VerdictView.Write(console.Out, run);
            if (run.Shortfall is { } shortfall)
            {
                console.Error.WriteLine($"ptq: {shortfall}");
                return Task.FromResult(ExitCodes.TargetNotMet);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command.WithExamples(
            new("int8 with the default recipe; the result is checked against float on 32 of the images",
                "ptq quantize model.onnx --data images/ -o model.int8.onnx"),
            new("Caffe-style preprocessing (BGR, mean subtraction) and 100 calibration images",
                "ptq quantize squeezenet.onnx --data images/ --calib-size 100 --resize-short 256 --crop 224,224 --color BGR --mean 104,117,123 -o sq.int8.onnx"),
            new("4-bit weights with float compute: no data needed", "ptq quantize model.onnx --mode weight-only --weight-bits 4 --weight-method mse -o model.w4.onnx"),
            new("A recipe file, with a flag on top", "ptq quantize model.onnx --recipe recipe.yaml --data images/ --method kl -o model.int8.onnx"));
    }

    private static void LogDecisions(Action<string> log, StaticQuantizationResult result, CalibrationMethod method)
    {
        foreach (var t in result.Tensors)
        {
            string range = t.Kind == "Activation" && result.Statistics.Tensors.TryGetValue(t.TensorName, out var s)
                ? string.Create(CultureInfo.InvariantCulture, $" observed [{s.Min:G6}, {s.Max:G6}] {method}")
                : "";
            string scale = t.Parameters.IsPerChannel
                ? string.Create(CultureInfo.InvariantCulture, $"{t.Parameters.Scales.Length} channel scales in [{t.Parameters.Scales.Min():G4}, {t.Parameters.Scales.Max():G4}]")
                : string.Create(CultureInfo.InvariantCulture, $"scale {t.Parameters.Scale:G6} zero point {t.Parameters.ZeroPoint}");
            log($"{t.Kind.ToLowerInvariant()} '{t.TensorName}' ({t.NodeType} '{t.NodeName}'): {t.Parameters.Scheme}, {scale}{range}");
        }
        foreach (var f in result.Plan.FloatNodes)
            log($"float {f.Node}: {f.Reason}");
    }

    private static void WriteSummary(TextWriter output, QuantizationSummary s, string modelPath, string csvPath)
    {
        output.WriteLine($"wrote {modelPath} and {csvPath}");
        output.WriteLine($"quantized: {s.Activations} activations, {s.Weights} weights, {s.Biases} biases; " +
                         $"folded {s.FoldedBatchNorms} BatchNorm, fused {s.FusedActivations} Relu/Clip, corrected {s.BiasCorrections} biases");
        foreach (var (reason, ops) in s.FloatNodesByReason)
            output.WriteLine($"left float ({reason}): {string.Join(", ", ops.Select(o => $"{o.Value} {o.Key}"))}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tensor bytes: {s.FloatWeightBytes:N0} -> {s.QuantizedWeightBytes:N0} ({(double)s.FloatWeightBytes / Math.Max(1, s.QuantizedWeightBytes):F2}x smaller)"));
    }
}
