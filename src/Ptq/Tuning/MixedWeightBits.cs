using System.Globalization;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Pipeline.Reconstruction;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>
/// Mixed-bit weights (<c>--weight-bits mixed</c>; MindSpore's bit_num=0 with auto_tune, Bolt's MIX): quantize with
/// low-bit weights, measure once what each layer's weights alone cost the output (<see cref="WeightBitsSensitivity"/>),
/// rank the layers by that loss per weight (the most accuracy per byte first), and raise the first 1, 2, 4, 8… of them
/// to high bits until the output cosine on the check samples reaches the target (<see cref="CountSearch"/>). With GPTQ
/// or AdaRound the ranking measures round-to-nearest codes and every step reconstructs the layers left at low bits
/// again (each step costs one reconstruction); the raised layers keep round-to-nearest codes.
/// </summary>
internal static class MixedWeightBits
{
    /// <summary>
    /// Quantizes <paramref name="model"/> with <paramref name="settings"/> (low-bit weights) and raises the weights of the
    /// layers that cost the output most per weight to <paramref name="highBits"/> bits until the mean output cosine on
    /// <paramref name="checkSamples"/> reaches <paramref name="targetCosine"/> or <paramref name="maxRaised"/> layers were
    /// raised. <see cref="FallbackResult.Reverted"/> lists the raised layers in ranking order, each with the cosine of the
    /// step that raised it; <see cref="FallbackResult.WeightCosts"/> every measured layer. Throws <see cref="PtqException"/>
    /// for a target outside (0, 1] or no check samples.
    /// </summary>
    public static FallbackResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> checkSamples, double targetCosine, int highBits = 8, int maxRaised = 64,
        IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        OutputCheck.RequireCosine(targetCosine, "--target-cosine");
        if (checkSamples.Count == 0)
            throw new SettingException(SettingName.TargetCosine, $"{SettingName.TargetCosine} needs samples to measure the output against float; give {SettingName.Data}");
        var run = StaticRun.Create(model, settings, calibration, forVariants: true, log);
        var start = run.Plain;
        var check = OutputCheck.Measure(start.PreparedFloatModel, checkSamples);
        double cosine = check.Cosine(start);
        log?.Report(string.Create(CultureInfo.InvariantCulture, $"output cosine {cosine:F5} with {settings.Weights.Bits}-bit weights (target {targetCosine})"));
        if (cosine >= targetCosine)
            return new FallbackResult(start, cosine, true, []);
        return Search(run, settings, start, cosine, check, targetCosine, highBits, maxRaised, log);
    }

    /// <summary>
    /// The search of <see cref="Quantize"/> over <paramref name="run"/> (calibrated for variants) from
    /// <paramref name="start"/>, the quantization of <paramref name="settings"/> with output cosine
    /// <paramref name="startCosine"/> on <paramref name="check"/>, below the target. Only layers at
    /// <paramref name="settings"/>' weight bits are candidates (edge layers and overrides keep theirs).
    /// </summary>
    internal static FallbackResult Search(StaticRun run, StaticQuantizationSettings settings, StaticQuantizationResult start, double startCosine,
        OutputCheck check, double targetCosine, int highBits = 8, int maxRaised = 64, IProgress<string>? log = null) =>
        // Reconstruction runs again in each step: codes fitted to the errors of layers now raised would miscorrect.
        Search(run.Reconstruct, run.Quantize, settings, start, startCosine, check, targetCosine, highBits, maxRaised, log);

    /// <summary>
    /// <paramref name="settings"/> with the weights of <paramref name="layers"/> at <paramref name="highBits"/> bits, their
    /// codes rounded to nearest (see <see cref="WeightReconstructionSettings.RoundToNearest"/>); user overrides still win.
    /// </summary>
    internal static StaticQuantizationSettings Raise(StaticQuantizationSettings settings, IReadOnlyCollection<string> layers, int highBits) => settings with
    {
        Overrides = [.. layers.Select(n => new NodeOverride { Pattern = n, Weights = settings.Weights with { Bits = highBits } }), .. settings.Overrides],
        Reconstruction = settings.Reconstruction with { RoundToNearest = layers.ToHashSet(StringComparer.Ordinal) },
    };

    /// <summary>
    /// The search with each step made by <paramref name="step"/> and the ranking's round-to-nearest quantization by
    /// <paramref name="quantize"/> (the same function where quantizing needs no calibration: weight-only, dynamic).
    /// </summary>
    internal static FallbackResult Search(Func<StaticQuantizationSettings, StaticQuantizationResult> step,
        Func<StaticQuantizationSettings, StaticQuantizationResult> quantize, StaticQuantizationSettings settings, StaticQuantizationResult start,
        double startCosine, OutputCheck check, double targetCosine, int highBits = 8, int maxRaised = 64, IProgress<string>? log = null)
    {
        // Reconstructed codes make up for the error of the layers before them, so alone in the float model they would
        // miscorrect: the ranking measures round-to-nearest codes on the same grid.
        var nearest = settings.ReconstructsWeights
            ? quantize(settings with { WeightMethod = settings.Reconstruction.Grid, ReusedReconstruction = null })
            : start;
        // The ranking puts quantized weights into the float model by name, so it compares with the prepared model.
        var ranking = ReferenceEquals(check.Reference, nearest.PreparedFloatModel) ? check : OutputCheck.Measure(nearest.PreparedFloatModel, check.SampleList);
        var costs = WeightBitsSensitivity.Rank(nearest, ranking, settings.Weights.Bits);
        long total = costs.Sum(c => c.Weights);
        foreach (var c in costs)
            log?.Report(string.Create(CultureInfo.InvariantCulture,
                $"{c.Node}: {settings.Weights.Bits}-bit weights alone cost the output {c.Loss:E2} (1 − cosine), {c.Weights:N0} weights ({(double)c.Weights / total:P1})"));
        var ranked = costs.Select(c => c.Node).Take(maxRaised).ToList();
        if (ranked.Count == 0)
            return new FallbackResult(start, startCosine, false, []) { RaisedToBits = highBits };
        var (chosen, steps) = CountSearch.Find(ranked.Count, targetCosine, count =>
        {
            var raised = ranked.Take(count).ToList();
            var result = step(Raise(settings, raised, highBits));
            double stepCosine = check.Cosine(result);
            long raisedWeights = costs.Take(count).Sum(c => c.Weights);
            log?.Report(string.Create(CultureInfo.InvariantCulture,
                $"raised {count} of {ranked.Count} layer(s) to {highBits}-bit weights ({(double)(total - raisedWeights) / total:P1} of the weights stay at {settings.Weights.Bits} bits): output cosine {stepCosine:F5}"));
            return new CountStep<StaticQuantizationResult>(count, result, stepCosine);
        });
        return new FallbackResult(chosen.Result, chosen.Cosine, chosen.Cosine >= targetCosine, CountSearch.Relaxed(ranked, chosen, steps))
        {
            Candidates = ranked.Count,
            Unit = "layer",
            WeightCosts = costs,
            RaisedToBits = highBits,
        };
    }
}
