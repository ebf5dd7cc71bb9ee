using System.CommandLine;
using System.Globalization;
using Ptq.Calibration;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Cli.Output;
using Ptq.Data;
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
            var result = CalibrationProgressView.Run(console, "calibrating", null, progress =>
                Quantizer.Quantize(loaded, recipe, data: null, progress,
                    new SynchronousProgress<string>(logging.Logger(parseResult, console, LogLevel.Info)), cancellationToken));
            foreach (string warning in result.Warnings)
                console.Error.WriteLine($"ptq: warning: {warning}");
            if (result.SkippedFiles > 0)
                console.Error.WriteLine($"ptq: warning: skipped {result.SkippedFiles} unreadable files (--skip-corrupt)");

            var debug = logging.Logger(parseResult, console, LogLevel.Debug);
            foreach (string decision in result.DecisionLog)
                debug(decision);
            string csvPath = result.Save(outputPath); // the model and its CSV appear together or not at all
            WriteSummary(console.Out, result.Summary, outputPath, csvPath);
            if (result.Guard is { } guard)
                AccuracyGuardView.Write(console.Out, guard, result.CheckSamples);
            if (result.TargetSearch is { } search)
                TargetSearchView.Write(console.Out, recipe, search);
            VerdictView.Write(console.Out, result);
            if (result.Shortfall is { } shortfall)
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
