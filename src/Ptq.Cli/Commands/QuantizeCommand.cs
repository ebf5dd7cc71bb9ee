using System.CommandLine;
using System.Globalization;
using Ptq.Calibration;
using Ptq.Cli.Options;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Recipes;
using Ptq.Reports;
using Ptq.Tuning;

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
        var data = new DataOptions();
        var command = new Command("quantize", "Quantize a float model (calibrate, choose parameters, rewrite to QDQ).") { model, output };
        logging.AddTo(command);
        quantize.AddTo(command);
        data.AddTo(command, dataRequired: false);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var warnings = new List<string>();
            var recipe = quantize.ToRecipe(parseResult, data, warnings);
            foreach (string warning in warnings)
                console.Error.WriteLine($"ptq: warning: {warning}");
            var settings = recipe.ToStaticSettings();
            var calibrationSettings = recipe.ToCalibrationSettings();
            string outputPath = parseResult.GetRequiredValue(output);
            using var loaded = ModelIO.Load(parseResult.GetRequiredValue(model));

            StaticQuantizationResult result;
            FallbackResult? fallback = null;
            if (recipe.Mode is QuantizationMode.WeightOnly or QuantizationMode.Dynamic or QuantizationMode.Fp16)
            {
                if (recipe.Stats is not null || recipe.Data.Count > 0)
                    throw new PtqException($"--mode {RecipeNames.Name(recipe.Mode)} reads no calibration data (no activation ranges are fixed in advance); drop --data/--stats");
                result = recipe.Mode switch
                {
                    QuantizationMode.Dynamic => DynamicQuantizer.Quantize(loaded, settings),
                    QuantizationMode.Fp16 => Fp16StorageConverter.Convert(loaded, settings),
                    _ => WeightOnlyQuantizer.Quantize(loaded, settings, recipe.MinWeightSize ?? 0, recipe.MinWeightChannels ?? 0),
                };
            }
            else if (recipe.Stats is { } statsPath)
            {
                if (recipe.Cle)
                    throw new PtqException("--cle changes the weights before calibration, so statistics from 'ptq calibrate' do not fit; give --data instead of --stats");
                if (recipe.TargetCosine is not null || recipe.IsMixedWeightBits)
                    throw new PtqException("--target-cosine and --weight-bits mixed measure the output on calibration samples; give --data instead of --stats");
                result = StaticQuantizer.Quantize(loaded, settings, new CalibrationInput.FromStats(StatsFile.Load(statsPath), calibrationSettings));
            }
            else
            {
                if (recipe.Data.Count == 0)
                    throw new PtqException("give calibration data with --data SPEC, or statistics from 'ptq calibrate' with --stats FILE");
                var sourceOptions = recipe.ToSourceOptions() with
                {
                    Recursive = parseResult.GetValue(data.Recursive),
                    SkipCorrupt = parseResult.GetValue(data.SkipCorrupt),
                };
                var source = CalibrationSources.Create(ModelInputs.Of(loaded), recipe.Data, sourceOptions);
                var samples = source.Select(s => (IReadOnlyDictionary<string, Runtime.TensorValue>)s.ToFeeds());
                if (recipe.IsMixedWeightBits)
                {
                    // MindSpore's auto_tune aims at cosine 0.995 when no target is given.
                    double target = recipe.TargetCosine ?? 0.995;
                    var check = samples.Take(32).ToList();
                    fallback = CalibrationProgressView.Run(console, "calibrating", source.Count, progress =>
                        AccuracyFallback.MixedBits(loaded, settings, new CalibrationInput.FromSamples(samples, source.Count, calibrationSettings, progress, cancellationToken),
                            check, target, log: new SynchronousProgress<string>(logging.Logger(parseResult, console, LogLevel.Info))));
                    result = fallback.Result;
                }
                else if (recipe.TargetCosine is { } target)
                {
                    // The first (up to) 32 calibration samples double as the check set: there is no held-out data here.
                    var check = samples.Take(32).ToList();
                    fallback = CalibrationProgressView.Run(console, "calibrating", source.Count, progress =>
                        AccuracyFallback.Quantize(loaded, settings, new CalibrationInput.FromSamples(samples, source.Count, calibrationSettings, progress, cancellationToken),
                            check, target, log: new SynchronousProgress<string>(logging.Logger(parseResult, console, LogLevel.Info))));
                    result = fallback.Result;
                }
                else
                {
                    result = CalibrationProgressView.Run(console, "calibrating", source.Count, progress =>
                        StaticQuantizer.Quantize(loaded, settings,
                            new CalibrationInput.FromSamples(samples, source.Count, calibrationSettings, progress, cancellationToken)));
                }
                if (source.SkippedFiles > 0)
                    console.Error.WriteLine($"ptq: warning: skipped {source.SkippedFiles} unreadable files (--skip-corrupt)");
            }

            LogDecisions(logging.Logger(parseResult, console, LogLevel.Debug), result, calibrationSettings.Method);
            string csvPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, "quant_param.csv");
            ModelIO.Save(result.Model, outputPath);
            QuantParamCsv.Write(csvPath, result.Tensors, result.BiasCorrections);
            WriteSummary(console.Out, QuantizationSummary.Of(result), outputPath, csvPath);
            if (fallback is not null)
            {
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"output cosine {fallback.Cosine:F5} against float ({(fallback.TargetMet ? "target met" : "TARGET NOT MET")}: {recipe.TargetCosine ?? 0.995}); {(recipe.IsMixedWeightBits ? "raised to 8-bit weights" : "reverted to float")}: {(fallback.Reverted.Count == 0 ? "none" : string.Join(", ", fallback.Reverted.Select(r => r.Node)))}"));
                if (!fallback.TargetMet)
                    return Task.FromResult(ExitCodes.TargetNotMet);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
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
