using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>What <see cref="AccuracyGuard.Quantize"/> produced.</summary>
/// <param name="Result">The quantization to write: the plain one when it passed, else the search's.</param>
/// <param name="Guard">The output cosine the guard asked for.</param>
/// <param name="CheckSamples">How many calibration samples the output was compared on.</param>
/// <param name="PlainCosine">Mean output cosine of the plain quantization against float on the check samples.</param>
/// <param name="Search">The search run because <paramref name="PlainCosine"/> fell short; null when it passed.</param>
internal sealed record GuardResult(StaticQuantizationResult Result, double Guard, int CheckSamples, double PlainCosine, FallbackResult? Search)
{
    /// <summary>The output cosine of <see cref="Result"/> on the check samples.</summary>
    public double Cosine => Search is { } search && ReferenceEquals(search.Result, Result) ? search.Cosine : PlainCosine;

    /// <summary>Whether <see cref="Cosine"/> reached <see cref="Guard"/>.</summary>
    public bool Passed => Cosine >= Guard;

    /// <summary>False when the model has no float output, so nothing was compared (<see cref="PlainCosine"/> is NaN).</summary>
    public bool Ran => CheckSamples > 0;
}

/// <summary>
/// The self-check every quantization with data gets (AIMET AutoQuant's idea in its cheapest form): quantize as asked,
/// measure the output cosine against float on a few calibration samples, and only when it falls below the guard search
/// for what to relax until it holds; what the search relaxed is listed. Static quantization with weights below 8 bits
/// first raises the weights that cost the output most per weight to 8 bits (<see cref="MixedWeightBits"/>), keeping
/// the model integer; otherwise, or when that cannot reach the guard, it keeps the activations whose rounding (with
/// their producer's weights) costs the output most float (<see cref="MixedActivationBits"/>), starting from the closest
/// raised model; weight-only and dynamic quantization raise low-bit weights the same way, then keep the costliest
/// layers float (<see cref="LayerSearch"/>). Models that quantize well pay one comparison (SqueezeNet: 0.3 s for 32
/// images, cosine 0.998, model unchanged). The search never returns a model with nothing quantized; one that still
/// misses the guard is written with the best cosine found and reported (the CLI exits with 1).
/// </summary>
internal static class AccuracyGuard
{
    /// <summary>The output cosine the default recipe guards (the same as the mixed-bit searches' default target).</summary>
    public const double DefaultCosine = 0.995;

    /// <summary>
    /// Statically quantizes <paramref name="model"/> with <paramref name="settings"/> from <paramref name="calibration"/>,
    /// then checks the mean output cosine on <paramref name="checkSamples"/> against <paramref name="guard"/> and, if
    /// short, searches. The model is prepared once and the data streamed once (observing what a search could need), so a
    /// search adds no calibration. The check samples are read only after calibration, so they do not add to its peak
    /// memory. Throws <see cref="PtqException"/> for a guard outside (0, 1], no check samples, or a check sample that makes
    /// the float model output NaN or infinity.
    /// </summary>
    public static GuardResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> checkSamples, double guard = DefaultCosine, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(checkSamples);
        OutputCheck.RequireCosine(guard, "--accuracy-guard");
        var run = StaticRun.Create(model, settings, calibration, forVariants: true, log);
        var check = CheckFor(model, run.Plain, [.. checkSamples], null, log);
        return check is null ? NotRun(run.Plain, guard) : Static(run, settings, check, guard, log);
    }

    /// <summary>
    /// The check set for <paramref name="result"/>: the user's float model (or the prepared one where ORT cannot run the
    /// original) on <paramref name="samples"/>; null when the model has no float output to compare.
    /// </summary>
    internal static OutputCheck? CheckFor(OnnxModel model, StaticQuantizationResult result, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples,
        IReadOnlyList<string>? sampleNames, IProgress<string>? log)
    {
        if (OutputCheck.FloatOutputs(result.PreparedFloatModel).Count == 0)
        {
            log?.Report("output check: not run, the model has no float output to compare");
            return null;
        }
        if (samples.Count == 0)
            throw new SettingException(SettingName.Data, $"the output check compares the model with float on samples; give {SettingName.Data}");
        var reference = OutputCheck.ReferenceModel(model, () => result.PreparedFloatModel);
        return OutputCheck.Measure(reference, samples, sampleNames: sampleNames);
    }

    /// <summary>A guard that could not run (no float output).</summary>
    internal static GuardResult NotRun(StaticQuantizationResult result, double guard) => new(result, guard, 0, double.NaN, null);

    /// <summary>
    /// The guard over the plain quantization of <paramref name="run"/> (calibrated for variants, so the search re-uses its
    /// statistics), or over <paramref name="start"/> when a search before it (LAPQ) quantized the run with <paramref name="settings"/>.
    /// </summary>
    internal static GuardResult Static(StaticRun run, StaticQuantizationSettings settings, OutputCheck check, double guard, IProgress<string>? log,
        StaticQuantizationResult? start = null)
    {
        var plain = start ?? run.Plain;
        double cosine = check.Cosine(plain);
        Report(log, cosine, check, guard);
        if (cosine >= guard)
            return new GuardResult(plain, guard, check.SampleList.Count, cosine, null);
        return WeightsFirst(plain, cosine, check, guard, settings,
            () => MixedWeightBits.Search(run, settings, plain, cosine, check, guard, log: log),
            (from, start, startCosine) => MixedActivationBits.Search(run, from, start, startCosine, check, guard, highBits: null, maxPromoted: int.MaxValue,
                MixedActivationBits.DefaultRankingSamples, log, requireQuantized: true));
    }

    /// <summary>
    /// Below 8-bit weights, <paramref name="raise"/> first (the costliest layers get 8-bit weights, so they stay
    /// quantized, where keeping them float would drop their weights' quantization too); when that cannot reach the guard,
    /// <paramref name="relax"/> (settings, start, its cosine) from the closest model it found, whose raised layers keep
    /// their 8-bit weights and reconstructed codes (less then needs to stay float than from the plain low-bit model),
    /// keeping the closer of the two.
    /// </summary>
    private static GuardResult WeightsFirst(StaticQuantizationResult plain, double cosine, OutputCheck check, double guard, StaticQuantizationSettings settings,
        Func<FallbackResult> raise, Func<StaticQuantizationSettings, StaticQuantizationResult, double, FallbackResult> relax)
    {
        var raised = settings.Weights.Bits < 8 ? raise() : null;
        if (raised is { TargetMet: true })
            return Outcome(plain, cosine, raised, guard, check);
        var search = raised is { Reverted.Count: > 0, RaisedToBits: int bits } && raised.Cosine > cosine
            ? relax(MixedWeightBits.Raise(settings, [.. raised.Reverted.Select(r => r.Node)], bits) with { ReusedReconstruction = raised.Result.Reconstruction },
                raised.Result, raised.Cosine) with { RaisedFirst = raised }
            : relax(settings, plain, cosine);
        return Outcome(plain, cosine, raised is not null && raised.Cosine > search.Cosine ? raised : search, guard, check);
    }

    /// <summary>The guard as a check only, where it may not search (empirical bias correction would be dropped).</summary>
    internal static GuardResult CheckOnly(StaticQuantizationResult plain, OutputCheck check, double guard, IProgress<string>? log)
    {
        double cosine = check.Cosine(plain);
        Report(log, cosine, check, guard);
        return new GuardResult(plain, guard, check.SampleList.Count, cosine, null);
    }

    /// <summary>
    /// The guard over a quantization that needs no calibration (weight-only, dynamic, fp16): <paramref name="quantize"/>
    /// makes it from settings, and the search raises weights below 8 bits to 8 where they cost most
    /// (<see cref="MixedWeightBits"/>), then keeps the costliest layers float (<see cref="LayerSearch"/>) if that is not enough.
    /// </summary>
    internal static GuardResult DataFree(Func<StaticQuantizationSettings, StaticQuantizationResult> quantize, StaticQuantizationSettings settings,
        StaticQuantizationResult plain, OutputCheck check, double guard, IProgress<string>? log)
    {
        double cosine = check.Cosine(plain);
        Report(log, cosine, check, guard);
        if (cosine >= guard)
            return new GuardResult(plain, guard, check.SampleList.Count, cosine, null);
        // Raising reconstructs again each step: codes fitted to the errors of layers now raised would miscorrect.
        return WeightsFirst(plain, cosine, check, guard, settings,
            () => MixedWeightBits.Search(s => quantize(s with { ReusedReconstruction = null }), quantize, settings, plain, cosine, check, guard, log: log),
            (from, start, startCosine) => LayerSearch.Search(quantize, from, start, startCosine, check, guard, LayerSearch.Layers(start),
                MixedActivationBits.DefaultRankingSamples, log));
    }

    private static void Report(IProgress<string>? log, double cosine, OutputCheck check, double guard) =>
        log?.Report($"accuracy guard: output cosine {cosine:F5} on {check.SampleList.Count} calibration samples (guard {guard})");

    // A step of the search only keeps more float, but on samples this few it can still land below the plain cosine.
    private static GuardResult Outcome(StaticQuantizationResult plain, double cosine, FallbackResult search, double guard, OutputCheck check) =>
        new(search.Cosine > cosine ? search.Result : plain, guard, check.SampleList.Count, cosine, search);
}
