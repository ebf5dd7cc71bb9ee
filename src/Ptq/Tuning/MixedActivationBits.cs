using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>
/// Mixed-precision activations (<c>--act-bits mixed</c>): quantize with 8-bit activations, rank the activations by how
/// much rounding each one alone costs the output (<see cref="ActivationSensitivity"/>), and give the worst 1, 2, 4, 8…
/// of them 16 bits over the same range until the output cosine on the check samples reaches the target. Suits networks
/// whose early, high-resolution activations have per-tensor ranges set by a few channels, so that the others get only
/// a few dozen codes, and whose output reacts to the rounding of flat image regions (text detectors on sparse pages).
/// The promoted tensors' consumers compute in float on ONNX Runtime (no 16-bit integer kernels); weights stay as set.
/// </summary>
public static class MixedActivationBits
{
    /// <summary>
    /// Quantizes <paramref name="model"/> with <paramref name="settings"/> (8-bit activations expected) and raises the most
    /// sensitive activations to <paramref name="highBits"/> bits until the mean output cosine on
    /// <paramref name="checkSamples"/> reaches <paramref name="targetCosine"/> or <paramref name="maxPromoted"/> tensors
    /// were raised. <see cref="FallbackResult.Reverted"/> lists the producers of the raised tensors, worst first, each with
    /// the cosine of the step that raised it. The ranking runs on the first <paramref name="rankingSamples"/> check samples.
    /// Throws <see cref="PtqException"/> for a target outside (0, 1] or no check samples.
    /// </summary>
    public static FallbackResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> checkSamples, double targetCosine, int highBits = 16, int maxPromoted = 32,
        int rankingSamples = 4, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        if (!(targetCosine > 0 && targetCosine <= 1))
            throw new PtqException($"--target-cosine {targetCosine}: give a value in (0, 1]");
        if (checkSamples.Count == 0)
            throw new PtqException("--act-bits mixed measures the output against float; give --data");
        var fromStats = CalibrationJob.AllStatistics(model, settings, calibration);
        var result = StaticQuantizer.Quantize(model, settings, fromStats);
        double cosine = AccuracyFallback.OutputCosine(result, checkSamples);
        log?.Report($"output cosine {cosine:F5} with {settings.Activations.Bits}-bit activations (target {targetCosine})");
        var promoted = new List<(string Node, double Cosine)>();
        if (cosine >= targetCosine)
            return new FallbackResult(result, cosine, true, promoted);

        // Producers in the quantized graph: a Relu fused into its Conv is gone there, and the Conv's override is what applies.
        var graph = Graph.OnnxGraph.FromModel(result.Model, promoteConstants: false);
        var producers = ActivationSensitivity.Rank(result, [.. checkSamples.Take(Math.Max(1, rankingSamples))])
            .Select(l => graph.Producer(l.Tensor)?.Name).OfType<string>().Distinct(StringComparer.Ordinal).Take(maxPromoted).ToList();
        var high = settings.Activations with { Bits = highBits };
        int count = 0;
        while (cosine < targetCosine && count < producers.Count)
        {
            count = Math.Min(Math.Max(1, count * 2), producers.Count);
            var raised = producers.Take(count).Select(p => new NodeOverride { Pattern = p, Activations = high });
            result = StaticQuantizer.Quantize(model, settings with { Overrides = [.. raised, .. settings.Overrides] }, fromStats);
            cosine = AccuracyFallback.OutputCosine(result, checkSamples);
            var added = producers.Skip(promoted.Count).Take(count - promoted.Count).ToList();
            promoted.AddRange(added.Select(p => (p, cosine)));
            log?.Report($"raised {count} activation(s) to {highBits} bits (+ outputs of {string.Join(", ", added)}): output cosine {cosine:F5}");
        }
        return new FallbackResult(result, cosine, cosine >= targetCosine, promoted);
    }
}
