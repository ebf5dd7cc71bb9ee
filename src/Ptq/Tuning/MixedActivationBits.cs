using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>
/// Mixed-precision activations (<c>--act-bits mixed</c>): quantize with 8-bit activations, rank the activations by how
/// much rounding each one alone costs the output (<see cref="ActivationSensitivity"/>), and keep the worst 1, 2, 4, 8…
/// of them unrounded until the output cosine on the check samples reaches the target. Suits networks whose early,
/// high-resolution activations have per-tensor ranges set by a few channels, so that the others get only a few dozen
/// codes, and whose output reacts to the rounding of flat image regions (text detectors on sparse pages).
/// By default a kept activation stays float: its producer and the nodes reading it run in float (a float island). The
/// alternative, 16 bits over the same range, only pays on runtimes with 16-bit kernels: ONNX Runtime's CPU provider
/// computes those nodes in float anyway and adds the 16-bit Q/DQ on full-size tensors. PP-OCRv4 det, target 0.995,
/// 320×320 page, 1 thread: float islands needed 16 activations, held-out cosine 0.9960, 11.8 ms; 16 bits needed 32,
/// 0.9975, 20.0 ms; fp32 13.3 ms, plain int8 11.0 ms.
/// </summary>
internal static class MixedActivationBits
{
    /// <summary>Check samples the sensitivity ranking runs on (all activations on the first, the worse half on each further one).</summary>
    public const int DefaultRankingSamples = 4;

    /// <summary>The reason the summary gives for the nodes of a float island.</summary>
    public const string FloatIslandReason = "kept float by the activation search: an activation whose rounding costs the output most";

    /// <summary>
    /// Quantizes <paramref name="model"/> with <paramref name="settings"/> (8-bit activations expected) and keeps the most
    /// sensitive activations float (or, with <paramref name="highBits"/>, raises them to that many bits) until the mean output cosine on
    /// <paramref name="checkSamples"/> reaches <paramref name="targetCosine"/> or <paramref name="maxPromoted"/> tensors
    /// were raised. <see cref="FallbackResult.Reverted"/> lists the producers of the raised tensors, worst first, each with
    /// the cosine of the step that raised it. The ranking runs on the first <paramref name="rankingSamples"/> check samples.
    /// Throws <see cref="PtqException"/> for a target outside (0, 1] or no check samples.
    /// </summary>
    public static FallbackResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> checkSamples, double targetCosine, int? highBits = null, int maxPromoted = 32,
        int rankingSamples = DefaultRankingSamples, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        OutputCheck.RequireCosine(targetCosine, "--target-cosine");
        if (checkSamples.Count == 0)
            throw new SettingException(SettingName.ActBits, $"{SettingName.ActBits} mixed measures the output against float; give {SettingName.Data}");
        var run = StaticRun.Create(model, settings, calibration, forVariants: true, log);
        var check = OutputCheck.Measure(run.Plain.PreparedFloatModel, checkSamples);
        double cosine = check.Cosine(run.Plain);
        log?.Report($"output cosine {cosine:F5} with {settings.Activations.Bits}-bit activations (target {targetCosine})");
        return Search(run, settings, run.Plain, cosine, check, targetCosine, highBits, maxPromoted, rankingSamples, log);
    }

    /// <summary>
    /// The search of <see cref="Quantize"/> from a quantization already made and measured: <paramref name="start"/>, with
    /// 8-bit activations, from <paramref name="run"/> (calibrated for variants), and its cosine on <paramref name="check"/>. With
    /// <paramref name="requireQuantized"/> (the accuracy guard) a step that leaves no weight quantized counts as a miss
    /// and ends the search: a model that only float saves is reported, not returned as a float copy.
    /// </summary>
    internal static FallbackResult Search(StaticRun run, StaticQuantizationSettings settings, StaticQuantizationResult start, double startCosine, OutputCheck check, double targetCosine, int? highBits, int maxPromoted,
        int rankingSamples, IProgress<string>? log, bool requireQuantized = false)
    {
        if (startCosine >= targetCosine)
            return new FallbackResult(start, startCosine, true, []);

        // Producers in the quantized graph: a Relu fused into its Conv is gone there, and the Conv's override is what applies.
        var graph = Graph.OnnxGraph.FromModel(start.Model, promoteConstants: false);
        var producers = ActivationSensitivity.Rank(start, [.. check.SampleList.Take(Math.Max(1, rankingSamples))])
            .Select(l => graph.Producer(l.Tensor)?.Name).OfType<string>().Distinct(StringComparer.Ordinal).Take(maxPromoted).ToList();
        if (producers.Count == 0)
            return new FallbackResult(start, startCosine, false, []);
        string how = highBits is { } bits ? $"raised {{0}} of {producers.Count} activation(s) to {bits} bits" : $"kept {{0}} of {producers.Count} activation(s) float";
        var (chosen, steps) = CountSearch.Find(producers.Count, targetCosine, count =>
        {
            var raised = highBits is { } high
                ? producers.Take(count).Select(p => new NodeOverride { Pattern = p, Activations = settings.Activations with { Bits = high } })
                : producers.Take(count).SelectMany(p => FloatIsland(graph, p)).Distinct(StringComparer.Ordinal).Select(n => new NodeOverride { Pattern = n, Skip = true, SkipReason = FloatIslandReason });
            var result = run.Quantize(settings with { Overrides = [.. raised, .. settings.Overrides] });
            string step = string.Format(System.Globalization.CultureInfo.InvariantCulture, how, count);
            if (requireQuantized && !result.Tensors.Any(t => t.Kind == "Weight"))
            {
                log?.Report($"{step}: quantizes nothing");
                return new CountStep<StaticQuantizationResult>(count, result, double.NegativeInfinity);
            }
            double cosine = check.Cosine(result);
            log?.Report($"{step}: output cosine {cosine:F5}");
            return new CountStep<StaticQuantizationResult>(count, result, cosine);
        });
        return new FallbackResult(chosen.Result, chosen.Cosine, chosen.Cosine >= targetCosine, CountSearch.Relaxed(producers, chosen, steps))
        {
            Candidates = producers.Count,
            Unit = "activation",
        };
    }

    /// <summary>
    /// The nodes that must run float for <paramref name="producer"/>'s output to stay unrounded: the producer and every
    /// node reading its output through Q/DQ, through data-movement ops that would round it again.
    /// </summary>
    private static IEnumerable<string> FloatIsland(Graph.OnnxGraph quantized, string producer)
    {
        var node = quantized.Nodes.First(n => n.Name == producer);
        yield return producer;
        var pending = new Stack<string>(node.Outputs);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            string value = pending.Pop();
            if (!seen.Add(value))
                continue;
            foreach (var (consumer, _) in quantized.Consumers(value))
            {
                if (consumer.OpType is "QuantizeLinear" or "DequantizeLinear" || Passes.CodeClamp.IsPart(quantized, consumer))
                {
                    foreach (string o in consumer.Outputs) pending.Push(o);
                    continue;
                }
                yield return consumer.Name;
                if (Quantization.OpRules.For(consumer) is { Output: Quantization.OutputQuantization.FollowInput })
                    foreach (string o in consumer.Outputs) pending.Push(o);
            }
        }
    }
}
