using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>What <see cref="AccuracyGuard.Quantize"/> produced.</summary>
/// <param name="Result">The quantization to write: the plain one when it passed, else the search's.</param>
/// <param name="Guard">The output cosine the guard asked for.</param>
/// <param name="CheckSamples">How many calibration samples the output was compared on.</param>
/// <param name="PlainCosine">Mean output cosine of the plain quantization against float on the check samples.</param>
/// <param name="Search">The activation search run because <paramref name="PlainCosine"/> fell short; null when it passed.</param>
public sealed record GuardResult(StaticQuantizationResult Result, double Guard, int CheckSamples, double PlainCosine, FallbackResult? Search)
{
    /// <summary>The output cosine of <see cref="Result"/> on the check samples.</summary>
    public double Cosine => Search is { } search && ReferenceEquals(search.Result, Result) ? search.Cosine : PlainCosine;

    /// <summary>Whether <see cref="Cosine"/> reached <see cref="Guard"/>.</summary>
    public bool Passed => Cosine >= Guard;

    /// <summary>False when the model has no float output, so nothing was compared (<see cref="PlainCosine"/> is NaN).</summary>
    public bool Ran => CheckSamples > 0;
}

/// <summary>
/// The default recipe's self-check (AIMET AutoQuant's idea in its cheapest form): quantize as asked, measure the output
/// cosine against float on a few calibration samples, and only when it falls below the guard run the activation search
/// of <see cref="MixedActivationBits"/>, keeping the activations whose rounding costs the output most float, at most a
/// quarter of them. Models that quantize well pay one comparison (SqueezeNet: 0.3 s for 32 images, cosine 0.998, model
/// unchanged); models that do not get a usable model instead of a silently broken one (PP-OCRv4 det: 0.973 → 0.995 on
/// the check pages). The guard never fails a run: a model still short of it after the search is written with a warning.
/// </summary>
public static class AccuracyGuard
{
    /// <summary>The output cosine the default recipe guards (the same as the mixed-bit searches' default target).</summary>
    public const double DefaultCosine = 0.995;

    /// <summary>At most this fraction of the calibrated activations is kept float, so the guard cannot quietly undo the quantization.</summary>
    public const double MaxFloatFraction = 0.25;

    /// <summary>
    /// Quantizes <paramref name="model"/> with <paramref name="settings"/> from <paramref name="calibration"/>, then checks
    /// the mean output cosine on <paramref name="checkSamples"/> against <paramref name="guard"/> and, if short, searches
    /// (a second calibration pass collects what the search needs). The check samples are read only after calibration,
    /// so they do not add to its peak memory. Throws <see cref="PtqException"/> for a guard outside (0, 1] or no check samples.
    /// </summary>
    public static GuardResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> checkSamples, double guard = DefaultCosine, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(checkSamples);
        OutputCheck.RequireCosine(guard, "--accuracy-guard");
        var plain = StaticQuantizer.Quantize(model, settings, calibration);
        if (OutputCheck.FloatOutputs(plain.PreparedFloatModel).Count == 0)
        {
            log?.Report("accuracy guard: not run, the model has no float output to compare");
            return new GuardResult(plain, guard, 0, double.NaN, null);
        }
        var samples = checkSamples.ToList();
        if (samples.Count == 0)
            throw new PtqException("--accuracy-guard measures the output against float on calibration samples; give --data");
        var check = OutputCheck.Measure(plain.PreparedFloatModel, samples);
        double cosine = check.Cosine(plain);
        log?.Report($"accuracy guard: output cosine {cosine:F5} on {samples.Count} calibration samples (guard {guard})");
        if (cosine >= guard)
            return new GuardResult(plain, guard, samples.Count, cosine, null);
        // The search needs statistics of every tensor (a float island changes which tensors need a range of their own),
        // so the calibration runs again, this time over all tensors; the plain quantization is its starting point.
        int maxFloat = Math.Max(1, (int)(plain.Plan.CalibratedTensors.Count * MaxFloatFraction));
        var search = MixedActivationBits.Search(model, settings, CalibrationJob.AllStatistics(model, settings, calibration), plain, cosine, check,
            guard, highBits: null, maxFloat, MixedActivationBits.DefaultRankingSamples, log);
        // The search only adds float activations, but on samples this few a step can still land below the plain cosine.
        return new GuardResult(search.Cosine > cosine ? search.Result : plain, guard, samples.Count, cosine, search);
    }
}
