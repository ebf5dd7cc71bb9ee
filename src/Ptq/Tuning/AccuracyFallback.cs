using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>The outcome of an accuracy-targeted quantization.</summary>
/// <param name="Result">The last quantization (the one meeting the target, or the best reached).</param>
/// <param name="Cosine">Mean output cosine against the float model on the check samples.</param>
/// <param name="TargetMet">Whether <see cref="Cosine"/> reached the target.</param>
/// <param name="Reverted">Nodes relaxed (put back to float, or given more weight bits), in order, with the cosine after each.</param>
internal sealed record FallbackResult(StaticQuantizationResult Result, double Cosine, bool TargetMet, IReadOnlyList<(string Node, double Cosine)> Reverted)
{
    /// <summary>How many nodes the search ranked and could have relaxed (0 when it did not rank).</summary>
    public int Candidates { get; init; }

    /// <summary>What a candidate is, for messages: "activation", "layer" or "node".</summary>
    public string Unit { get; init; } = "node";

    /// <summary>
    /// Null when the relaxed candidates were kept float; else the bit width their weights were raised to (the mixed
    /// weight-bit search, and the accuracy guard over low-bit weights).
    /// </summary>
    public int? RaisedToBits { get; init; }

    /// <summary>
    /// The weight search whose closest model this search started from, when raising low-bit weights alone could not reach
    /// the target (the accuracy guard over weights below 8 bits); null otherwise.
    /// </summary>
    public FallbackResult? RaisedFirst { get; init; }

    /// <summary>
    /// What the search did, for messages: "kept 2 of 9 activations float", "raised 2 of 9 layers to 8-bit weights", or
    /// both joined by "then" after <see cref="RaisedFirst"/>.
    /// </summary>
    public string Describe() => Describe(Reverted.Count, Candidates, Unit, RaisedToBits, RaisedFirst?.Describe());

    /// <summary>The phrase of <see cref="Describe()"/> for <paramref name="relaxed"/> of <paramref name="candidates"/> candidates.</summary>
    internal static string Describe(int relaxed, int candidates, string unit, int? raisedToBits, string? first = null) =>
        (first is null ? "" : first + ", then ")
        + (raisedToBits is int bits ? $"raised {relaxed} of {candidates} {unit}s to {bits}-bit weights" : $"kept {relaxed} of {candidates} {unit}s float");

    /// <summary>The mixed weight-bit search's measured cost of each layer's low-bit weights, ranked (null for other searches).</summary>
    public IReadOnlyList<WeightCost>? WeightCosts { get; init; }
}

/// <summary>
/// Accuracy-aware fallback (MindSpore's auto_tune, Distiller's LAPQ idea in its simplest greedy form): quantize, measure
/// the output cosine against float on a few samples, and while it is below the target put back to float the int8 node
/// that loses the most signal locally (SQNR of its input minus SQNR of its output), re-quantizing from the statistics
/// already collected (no new calibration pass).
/// </summary>
internal static class AccuracyFallback
{
    /// <summary>
    /// Quantizes <paramref name="model"/> until the mean output cosine on <paramref name="checkSamples"/> reaches
    /// <paramref name="targetCosine"/> or <paramref name="maxReverts"/> nodes were reverted.
    /// </summary>
    public static FallbackResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> checkSamples, double targetCosine, int maxReverts = 16, IProgress<string>? log = null)
    {
        OutputCheck.RequireCosine(targetCosine, "--target-cosine");
        if (checkSamples.Count == 0)
            throw new SettingException(SettingName.TargetCosine, $"{SettingName.TargetCosine} needs samples to measure the output against float; give {SettingName.Data}");
        var run = StaticRun.Create(model, settings, calibration, forVariants: true, log);
        var result = run.Plain;
        var reverted = new List<(string, double)>();
        var current = settings;
        var check = OutputCheck.Measure(result.PreparedFloatModel, checkSamples);
        double cosine = check.Cosine(result);
        log?.Report($"output cosine {cosine:F5} (target {targetCosine})");
        while (cosine < targetCosine && reverted.Count < maxReverts)
        {
            var done = reverted.Select(r => r.Item1).ToHashSet(StringComparer.Ordinal);
            string? worst = WorstNode(result, checkSamples[0], n => !done.Contains(n.Name));
            if (worst is null)
                break;
            current = current with { SkipNodes = [.. current.SkipNodes, worst] };
            result = run.Quantize(current);
            cosine = check.Cosine(result);
            reverted.Add((worst, cosine));
            log?.Report($"reverted '{worst}' to float: output cosine {cosine:F5}");
        }
        return new FallbackResult(result, cosine, cosine >= targetCosine, reverted);
    }

    /// <summary>The int8 node (not yet reverted) whose output SQNR falls furthest below its input's.</summary>
    private static string? WorstNode(StaticQuantizationResult result, IReadOnlyDictionary<string, TensorValue> sample, Func<Node, bool> candidate)
    {
        var twins = DequantizedTwins(result);
        var tensors = twins.Keys.ToList();
        using var reference = OrtRunner.WithOutputs(result.PreparedFloatModel, tensors);
        using var quantized = OrtRunner.WithOutputs(result.Model, twins.Values);
        var a = reference.Run(sample, tensors);
        var b = quantized.Run(sample, twins.Values.ToList());
        var sqnr = tensors.ToDictionary(t => t, t => Evaluation.Sqnr.Decibels(a[t].AsFloatSpan(), b[twins[t]].AsFloatSpan()), StringComparer.Ordinal);

        string? worst = null;
        double worstDrop = double.NegativeInfinity;
        foreach (var node in result.Plan.Int8Nodes)
        {
            if (!candidate(node) || node.Outputs.Count == 0 || !sqnr.TryGetValue(node.Outputs[0], out double output))
                continue;
            double input = node.Inputs.Where(sqnr.ContainsKey).Select(i => sqnr[i]).DefaultIfEmpty(double.PositiveInfinity).Min();
            double drop = (double.IsPositiveInfinity(input) ? 60 : input) - output;
            if (drop > worstDrop)
                (worst, worstDrop) = (node.Name, drop);
        }
        return worst;
    }

    /// <summary>For each quantized activation, the output of the DequantizeLinear that restores it, as the rewrite recorded it.</summary>
    private static Dictionary<string, string> DequantizedTwins(StaticQuantizationResult result) =>
        result.Tensors.Where(t => t.Dequantized is not null).DistinctBy(t => t.TensorName)
            .ToDictionary(t => t.TensorName, t => t.Dequantized!, StringComparer.Ordinal);
}
