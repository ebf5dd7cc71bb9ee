using System.Globalization;
using Ptq.Onnx;
using Ptq.Recipes;
using Ptq.Pipeline;

namespace Ptq.Cli.Commands;

/// <summary>
/// What <c>ptq quantize</c> does once it has a recipe, shared with the seed tools' front ends (<c>ptq bolt</c>, …): runs
/// <see cref="Quantizer.Quantize"/>, saves the model with quant_param.csv beside it, prints the summary, the guard or
/// search report and the verdict, and returns the exit code.
/// </summary>
internal static class QuantizeRun
{
    /// <summary>
    /// Quantizes <paramref name="model"/> as <paramref name="recipe"/> says and writes <paramref name="outputPath"/>, and
    /// with <see cref="QuantizationRecipe.DebugDir"/> MindSpore's debug files after the model is saved.
    /// </summary>
    public static int Execute(CliConsole console, OnnxModel model, QuantizationRecipe recipe, string outputPath,
        Action<string> info, Action<string> debug, CancellationToken cancellationToken)
    {
        var result = CalibrationProgressView.Run(console, "calibrating", null, progress =>
            Quantizer.Quantize(model, recipe, data: null, progress, new SynchronousProgress<string>(info), cancellationToken));
        foreach (string warning in result.Warnings)
            console.Error.WriteLine($"ptq: warning: {warning}");
        if (result.SkippedFiles > 0)
            console.Error.WriteLine($"ptq: warning: skipped {result.SkippedFiles} unreadable files (--skip-corrupt)");

        foreach (string decision in result.DecisionLog)
            debug(decision);
        string csvPath = result.Save(outputPath); // the model and its CSV appear together or not at all
        WriteSummary(console.Out, result.Summary, outputPath, csvPath);
        if (result.Run.Lapq is { Variables: > 0 } lapq)
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lapq: output loss {lapq.InitLoss:G4} (L{lapq.InitNorm:0.#} clips) -> {lapq.Loss:G4} on {lapq.Samples} samples; {lapq.Variables} clip values, {lapq.Iterations} sweep(s), {lapq.Evaluations} evaluations, {lapq.Seconds:F1} s"));
        if (result.Run.ScaleApproximation is { } approximation && recipe.ScaleApproxBits is int approxBits)
        {
            var worst = approximation.OrderByDescending(r => r.MaxRelativeError).ToList();
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scale approximation ({approxBits}-bit multiplier and shift, {(recipe.ScaleApproxBake ? "baked into the model" : "reported only; --scale-approx-bake writes it")}): {approximation.Count} layers, relative error of the requantization scale mean {(approximation.Count == 0 ? 0 : approximation.Average(r => r.MeanRelativeError)):G3}, worst {(worst.Count == 0 ? 0 : worst[0].MaxRelativeError):G3}"));
            foreach (var r in worst.Take(5))
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Node}: {r.Channels} channel(s), worst {r.MaxRelativeError:G3}, mean {r.MeanRelativeError:G3}"));
        }
        if (result.FormatSummary is { } operators)
            console.Out.WriteLine($"integer operators (--format qoperator): {operators}");
        if (result.Fp16FloatOpsSummary is { } fp16)
            console.Out.WriteLine(fp16);
        if (result.Fp16FloatWeightsSummary is { } fp16Weights)
            console.Out.WriteLine(fp16Weights);
        if (result.PerChannelActivationsSummary is { } perChannel)
            console.Out.WriteLine(perChannel);
        if (result.MixedWeightsSummary is { } mixed)
            console.Out.WriteLine(mixed);
        if (recipe.DebugDir is { } folder)
            foreach (string file in MindSporeDebugInfo.Write(model, result, recipe, folder, cancellationToken))
                console.Out.WriteLine($"wrote {file}");
        if (result.Guard is { } guard)
            Output.AccuracyGuardView.Write(console.Out, guard, result.CheckSamples);
        if (result.TargetSearch is { } search)
            Output.TargetSearchView.Write(console.Out, recipe, search);
        Output.VerdictView.Write(console.Out, result);
        if (result.Shortfall is { } shortfall)
        {
            console.Error.WriteLine($"ptq: {shortfall}");
            return ExitCodes.TargetNotMet;
        }
        return ExitCodes.Ok;
    }

    // Names up to a few layers (the exceptions are what a reader looks for), counts the rest.
    private static string LayerList(IReadOnlyList<string> layers) =>
        layers.Count <= 4 ? $"({string.Join(", ", layers)})" : $"({layers.Count} layers)";

    private static void WriteSummary(TextWriter output, QuantizationSummary s, string modelPath, string csvPath)
    {
        output.WriteLine($"wrote {modelPath} and {csvPath}");
        output.WriteLine($"quantized: {s.Activations} activations, {s.Weights} weights, {s.Biases} biases; " +
                         $"folded {s.FoldedBatchNorms} BatchNorm, fused {s.FusedActivations} Relu/Clip, corrected {s.BiasCorrections} biases");
        if (s.LayersByWeightBits.Count > 1)
            output.WriteLine("weight bits: " + string.Join("; ", s.LayersByWeightBits.Select(b => $"{b.Key} bits {LayerList(b.Value)}")));
        foreach (var (reason, ops) in s.FloatNodesByReason)
            output.WriteLine($"left float ({reason}): {string.Join(", ", ops.Select(o => $"{o.Value} {o.Key}"))}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tensor bytes: {s.FloatWeightBytes:N0} -> {s.QuantizedWeightBytes:N0} ({(double)s.FloatWeightBytes / Math.Max(1, s.QuantizedWeightBytes):F2}x smaller)"));
    }
}
