using Ptq.Pipeline;

namespace Ptq.Tuning;

/// <summary>
/// The accuracy guard's search for quantizations that need no calibration (weight-only, dynamic): rank the quantized
/// layers by what quantizing each one alone costs the output, then keep the worst 1, 2, 4, 8… float until the output
/// cosine on the check samples reaches the target (then bisects down to about the fewest that reach it), keeping at
/// least one layer quantized. Costs one quantization and one short comparison per layer for the ranking, and one
/// quantization and comparison per step.
/// </summary>
internal static class LayerSearch
{
    /// <summary>The reason the summary gives for the layers the search kept float.</summary>
    public const string FloatReason = "kept float by the accuracy guard: a layer whose quantization costs the output most";

    /// <summary>The layers of <paramref name="result"/> with quantized weights, in graph order.</summary>
    public static IReadOnlyList<string> Layers(StaticQuantizationResult result) =>
        [.. result.Tensors.Where(t => t.Kind == "Weight").Select(t => t.NodeName).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Searches from <paramref name="start"/> (made by <paramref name="quantize"/> from <paramref name="settings"/>, with
    /// output cosine <paramref name="startCosine"/> on <paramref name="check"/>). The ranking runs on the first
    /// <paramref name="rankingSamples"/> check samples.
    /// </summary>
    public static FallbackResult Search(Func<StaticQuantizationSettings, StaticQuantizationResult> quantize, StaticQuantizationSettings settings,
        StaticQuantizationResult start, double startCosine, OutputCheck check, double target, IReadOnlyList<string> layers, int rankingSamples,
        IProgress<string>? log)
    {
        if (startCosine >= target || layers.Count < 2)
            return new FallbackResult(start, startCosine, startCosine >= target, []) { Candidates = layers.Count };

        var ranking = OutputCheck.Measure(check.Reference, [.. check.SampleList.Take(Math.Max(1, rankingSamples))]);
        var loss = layers.ToDictionary(l => l, l => 1 - ranking.Cosine(quantize(settings with { OnlyNodes = [l] })), StringComparer.Ordinal);
        var ranked = layers.OrderByDescending(l => loss[l]).ThenBy(l => l, StringComparer.Ordinal).ToList();

        var (chosen, steps) = CountSearch.Find(ranked.Count - 1, target, count =>
        {
            var floats = ranked.Take(count).Select(l => new NodeOverride { Pattern = l, Skip = true, SkipReason = FloatReason });
            var result = quantize(settings with { Overrides = [.. floats, .. settings.Overrides] });
            double cosine = check.Cosine(result);
            log?.Report($"kept {count} of {ranked.Count} layer(s) float: output cosine {cosine:F5}");
            return new CountStep<StaticQuantizationResult>(count, result, cosine);
        });
        return new FallbackResult(chosen.Result, chosen.Cosine, chosen.Cosine >= target, CountSearch.Relaxed(ranked, chosen, steps)) { Candidates = ranked.Count, Unit = "layer" };
    }
}
