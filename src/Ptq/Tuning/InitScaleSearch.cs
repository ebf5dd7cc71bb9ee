using System.Globalization;
using Ptq.Pipeline;
using Ptq.Quantization;

namespace Ptq.Tuning;

/// <summary>One init_scale the auto-tune search tried.</summary>
/// <param name="InitScale">The allowed relative weight error.</param>
/// <param name="TotalBits">Weight bits of the allocation it gives.</param>
/// <param name="Cosine">Mean output cosine against float on the check samples.</param>
internal sealed record InitScaleStep(double InitScale, long TotalBits, double Cosine);

/// <summary>What the weight-only mixed-bit quantization did (MindSpore's <c>bit_num=0</c>).</summary>
/// <param name="Result">The quantization written.</param>
/// <param name="InitScale">The init_scale used: the given one, or the one auto-tune chose.</param>
/// <param name="Layers">Every layer's bit width and relative error, in plan order.</param>
/// <param name="TargetCosine">The auto-tune target, or null when init_scale was given and not searched.</param>
/// <param name="Cosine">Output cosine of <paramref name="Result"/> on the search's samples, when it searched.</param>
/// <param name="Steps">The init_scales tried, in order (empty without auto-tune).</param>
/// <param name="MadeUpInputs">True when the search compared outputs on made-up inputs (no data given), as MindSpore does.</param>
internal sealed record MixedWeightAllocation(StaticQuantizationResult Result, double InitScale, IReadOnlyList<LayerBitWidth> Layers,
    double? TargetCosine, double? Cosine, IReadOnlyList<InitScaleStep> Steps, bool MadeUpInputs)
{
    /// <summary>Whether the auto-tune target was reached (true when there was none).</summary>
    public bool TargetMet => TargetCosine is not double target || Cosine >= target;

    /// <summary>Weight-count-weighted mean bit width.</summary>
    public double MeanBits => Layers.Sum(l => (double)l.Weights * l.Bits) / Math.Max(1, Layers.Sum(l => l.Weights));
}

/// <summary>
/// Weight-only mixed bits as MindSpore Lite defines them: every layer gets the fewest bits that keep its relative weight
/// error within init_scale (<see cref="WeightBitAllocation"/>, data-free); with auto_tune, init_scale itself is searched
/// as MindSpore's converter searches it — a coarse pass over 0.005, 0.010 … 0.050 that stops after three values below
/// the target, then 20 fine steps between the third-largest and the largest value tried before the second miss — keeping
/// the allocation with the fewest weight bits whose output cosine against float reaches the target. Allocations that
/// come out the same are measured once.
/// </summary>
internal static class InitScaleSearch
{
    /// <summary>MindSpore's coarse grid: start, step and rounds.</summary>
    public const double CoarseStart = 0.005, CoarseStep = 0.005;

    /// <summary>Rounds of the coarse and the fine pass, and the misses that end the coarse pass.</summary>
    public const int CoarseRounds = 10, FineRounds = 20, ToleratedMisses = 3;

    /// <summary>
    /// Quantizes with <paramref name="quantize"/> (the weight-only quantizer for a model) at the bit widths
    /// <paramref name="initScale"/> gives, or, with <paramref name="targetCosine"/>, at those of the init_scale the search
    /// chooses on the samples of the check <paramref name="checkFor"/> makes (falling back to <paramref name="initScale"/> when none reaches the
    /// target, as MindSpore does). The user's overrides in <paramref name="settings"/> win over the allocation.
    /// </summary>
    public static MixedWeightAllocation Quantize(Func<StaticQuantizationSettings, StaticQuantizationResult> quantize, StaticQuantizationSettings settings,
        double initScale, double? targetCosine, Func<StaticQuantizationResult, OutputCheck>? checkFor, bool madeUpInputs, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(quantize);
        var probe = quantize(settings);
        var allocation = WeightBitAllocation.Measure(probe, settings.Weights);
        // Outputs are compared only when auto-tune searches; the float outputs are computed once.
        var check = targetCosine is null ? null : (checkFor ?? throw new ArgumentNullException(nameof(checkFor)))(probe);
        var results = new Dictionary<string, (StaticQuantizationResult Result, double? Cosine)>(StringComparer.Ordinal);
        (StaticQuantizationResult Result, double? Cosine) At(IReadOnlyList<LayerBitWidth> layers)
        {
            string key = string.Join(",", layers.Select(l => l.Bits));
            if (!results.TryGetValue(key, out var done))
            {
                var result = quantize(settings with { Overrides = [.. settings.Overrides, .. WeightBitAllocation.Overrides(layers, settings.Weights)] });
                results[key] = done = (result, check?.Cosine(result));
            }
            return done;
        }

        if (targetCosine is not double target)
        {
            var layers = allocation.For(initScale);
            Report(log, initScale, layers);
            return new MixedWeightAllocation(At(layers).Result, initScale, layers, null, null, [], madeUpInputs);
        }
        OutputCheck.RequireCosine(target, "auto_tune target");
        var steps = new List<InitScaleStep>();
        InitScaleStep Try(double scale)
        {
            var layers = allocation.For(scale);
            var step = new InitScaleStep(scale, WeightBitAllocation.TotalBits(layers), At(layers).Cosine!.Value);
            steps.Add(step);
            log?.Report(string.Create(CultureInfo.InvariantCulture,
                $"auto_tune: init_scale {scale:G4}: {step.TotalBits / 8.0 / 1024:N1} KiB of weights, output cosine {step.Cosine:F5} (target {target})"));
            return step;
        }

        var candidates = new List<double>();
        int misses = 0;
        for (int round = 0; round < CoarseRounds; round++)
        {
            double scale = CoarseStart + round * CoarseStep;
            var step = Try(scale);
            if (step.Cosine < target)
                misses++;
            if (misses <= 1)
                candidates.Add(scale);
            if (misses >= ToleratedMisses)
                break;
        }
        candidates.Sort((a, b) => b.CompareTo(a));
        double high = candidates[0], low = candidates[Math.Min(2, candidates.Count - 1)];
        if (high > low)
        {
            double fine = (high - low) / FineRounds;
            for (int round = 0; round < FineRounds; round++)
                Try(low + round * fine);
        }
        var best = steps.Where(s => s.Cosine >= target).OrderBy(s => s.TotalBits).ThenByDescending(s => s.Cosine).ThenByDescending(s => s.InitScale).FirstOrDefault();
        double chosen = best?.InitScale ?? initScale;
        var chosenLayers = allocation.For(chosen);
        var (chosenResult, chosenCosine) = At(chosenLayers);
        Report(log, chosen, chosenLayers);
        return new MixedWeightAllocation(chosenResult, chosen, chosenLayers, target, chosenCosine, steps, madeUpInputs);
    }

    private static void Report(IProgress<string>? log, double initScale, IReadOnlyList<LayerBitWidth> layers)
    {
        foreach (var l in layers)
            log?.Report(string.Create(CultureInfo.InvariantCulture,
                $"{l.Node}: {l.Bits}-bit weights, relative error {l.RelativeError:G3} (init_scale {initScale:G4}), {l.Weights:N0} weights"));
    }
}
