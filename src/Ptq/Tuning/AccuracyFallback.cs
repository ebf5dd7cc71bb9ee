using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>The outcome of an accuracy-targeted quantization.</summary>
/// <param name="Result">The last quantization (the one meeting the target, or the best reached).</param>
/// <param name="Cosine">Mean output cosine against the float model on the check samples.</param>
/// <param name="TargetMet">Whether <see cref="Cosine"/> reached the target.</param>
/// <param name="Reverted">Nodes put back to float, in the order they were reverted, with the cosine after each.</param>
public sealed record FallbackResult(StaticQuantizationResult Result, double Cosine, bool TargetMet, IReadOnlyList<(string Node, double Cosine)> Reverted);

/// <summary>
/// Accuracy-aware fallback (MindSpore's auto_tune, Distiller's LAPQ idea in its simplest greedy form): quantize, measure
/// the output cosine against float on a few samples, and while it is below the target put back to float the int8 node
/// that loses the most signal locally (SQNR of its input minus SQNR of its output), re-quantizing from the statistics
/// already collected (no new calibration pass).
/// </summary>
public static class AccuracyFallback
{
    /// <summary>
    /// Quantizes <paramref name="model"/> until the mean output cosine on <paramref name="checkSamples"/> reaches
    /// <paramref name="targetCosine"/> or <paramref name="maxReverts"/> nodes were reverted.
    /// </summary>
    public static FallbackResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> checkSamples, double targetCosine, int maxReverts = 16, IProgress<string>? log = null)
    {
        if (!(targetCosine > 0 && targetCosine <= 1))
            throw new PtqException($"--target-cosine {targetCosine}: give a value in (0, 1]");
        if (checkSamples.Count == 0)
            throw new PtqException("--target-cosine needs samples to measure the output against float; give --data");
        var result = StaticQuantizer.Quantize(model, settings, calibration);
        var fromStats = new CalibrationInput.FromStats(result.Statistics, calibration.Settings);
        var skipped = settings.SkipNodes.ToList();
        var reverted = new List<(string, double)>();
        double cosine = OutputCosine(result, checkSamples);
        log?.Report($"output cosine {cosine:F5} (target {targetCosine})");
        while (cosine < targetCosine && reverted.Count < maxReverts)
        {
            string? worst = WorstNode(result, checkSamples[0], skipped);
            if (worst is null)
                break;
            skipped.Add(worst);
            result = StaticQuantizer.Quantize(model, settings with { SkipNodes = [.. skipped] }, fromStats);
            cosine = OutputCosine(result, checkSamples);
            reverted.Add((worst, cosine));
            log?.Report($"reverted '{worst}' to float: output cosine {cosine:F5}");
        }
        return new FallbackResult(result, cosine, cosine >= targetCosine, reverted);
    }

    /// <summary>Mean over samples of the cosine between float and quantized outputs (all outputs concatenated).</summary>
    private static double OutputCosine(StaticQuantizationResult result, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        using var reference = new OrtRunner(result.PreparedFloatModel);
        using var quantized = new OrtRunner(result.Model);
        double sum = 0;
        foreach (var sample in samples)
        {
            var a = reference.Run(sample).Values.SelectMany(v => v.ToFloats()).ToArray();
            var b = quantized.Run(sample).Values.SelectMany(v => v.ToFloats()).ToArray();
            sum += Evaluation.CosineSimilarity.Compute(a, b);
        }
        return sum / samples.Count;
    }

    /// <summary>The int8 node (not yet reverted) whose output SQNR falls furthest below its input's.</summary>
    private static string? WorstNode(StaticQuantizationResult result, IReadOnlyDictionary<string, TensorValue> sample, IReadOnlyCollection<string> skipped)
    {
        var twins = DequantizedTwins(result.Model);
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
            if (skipped.Contains(node.Name) || node.Outputs.Count == 0 || !sqnr.TryGetValue(node.Outputs[0], out double output))
                continue;
            double input = node.Inputs.Where(sqnr.ContainsKey).Select(i => sqnr[i]).DefaultIfEmpty(double.PositiveInfinity).Min();
            double drop = (double.IsPositiveInfinity(input) ? 60 : input) - output;
            if (drop > worstDrop)
                (worst, worstDrop) = (node.Name, drop);
        }
        return worst;
    }

    /// <summary>For each quantized activation, the output of the DequantizeLinear that restores it (found structurally).</summary>
    private static Dictionary<string, string> DequantizedTwins(OnnxModel quantized)
    {
        var nodes = quantized.Proto.Graph.Node;
        var quantizeOf = nodes.Where(n => n.OpType == "QuantizeLinear").ToDictionary(n => n.Output[0], n => n.Input[0], StringComparer.Ordinal);
        var twins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dq in nodes.Where(n => n.OpType == "DequantizeLinear"))
            if (quantizeOf.TryGetValue(dq.Input[0], out string? source))
                twins.TryAdd(source, dq.Output[0]);
        return twins;
    }
}
