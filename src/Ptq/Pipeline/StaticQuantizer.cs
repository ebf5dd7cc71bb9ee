using System.Text.RegularExpressions;
using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Runtime;
using Ptq.Statistics;
using Ptq.Tuning;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>The outcome of a static quantization.</summary>
/// <param name="Model">The quantized model (QDQ form).</param>
/// <param name="PreparedFloatModel">The float model after canonicalization (upgraded, BN folded, constants promoted): what was calibrated.</param>
/// <param name="Plan">The decisions taken.</param>
/// <param name="Tensors">One record per quantized tensor (rows of quant_param.csv).</param>
/// <param name="FoldedBatchNorms">BatchNormalization nodes folded.</param>
/// <param name="FusedActivations">Relu/Clip nodes fused into their producers' quantized output.</param>
/// <param name="BiasCorrections">Layers whose bias was corrected, with the size of the correction.</param>
/// <param name="Statistics">The calibration statistics used.</param>
public sealed record StaticQuantizationResult(OnnxModel Model, OnnxModel PreparedFloatModel, QuantizationPlan Plan,
    IReadOnlyList<QuantizedTensorRecord> Tensors, int FoldedBatchNorms, int FusedActivations,
    IReadOnlyList<BiasCorrectionRecord> BiasCorrections, StatsFile Statistics);

/// <summary>
/// Static quantization: prepare → plan → collect statistics → quantize weights → bias correction → ranges → rewrite to
/// QDQ. Statistics come from samples streamed through the model or from a stats file saved by <c>ptq calibrate</c>.
/// </summary>
public static class StaticQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="model"/> (not modified). Throws <see cref="PtqException"/> subtypes for invalid
    /// settings, models that cannot be upgraded, statistics that do not cover the plan, or NaN/Inf activations.
    /// </summary>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration)
    {
        settings.Validate();
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm);
        var prepared = preparedModel.Model;
        long outputOpset = NeedsOpset21(settings) ? 21 : prepared.DefaultOpset;
        if (outputOpset > prepared.DefaultOpset)
            prepared = OpsetUpgrader.Upgrade(prepared, 21);

        Func<string, bool>? isFloat = null;
        Func<string, long[]?>? shapes = null;
        Func<IReadOnlyList<string>, StatsFile> collect;
        switch (calibration)
        {
            case CalibrationInput.FromStats fromStats:
                isFloat = fromStats.Stats.Tensors.ContainsKey;
                shapes = t => fromStats.Stats.Tensors.TryGetValue(t, out var ts) && ts.ChannelMeans is { } cm && fromStats.Stats.Samples > 0
                    ? [1, cm.Means.Length, ts.Count / fromStats.Stats.Samples / cm.Means.Length] // channels × spatial, enough to tell vectors apart
                    : null;
                collect = _ => fromStats.Stats;
                break;
            case CalibrationInput.FromSamples fromSamples:
                var first = fromSamples.Samples.FirstOrDefault()
                    ?? throw new PtqException("no calibration samples were given: the data source is empty");
                var types = TensorTypeProbe.Probe(prepared, first, calibration.Settings.Runner);
                isFloat = t => types.TryGetValue(t, out var p) && p.DataType == (int)TensorProto.Types.DataType.Float;
                shapes = t => types.TryGetValue(t, out var p) ? p.Shape : null;
                var options = calibration.Settings.StatisticsOptions();
                if (settings.BiasCorrection)
                    options = options with { Kinds = options.Kinds | StatisticKinds.ChannelMeans };
                collect = tensors => StatisticsCollector.Collect(prepared, tensors, fromSamples.Samples, options,
                    fromSamples.Count, calibration.Settings.Runner, fromSamples.Progress, fromSamples.CancellationToken);
                break;
            default:
                throw new ArgumentException($"unknown calibration input {calibration.GetType().Name}", nameof(calibration));
        }

        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var skip = SkipPredicate(settings, graph);
        var plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat, shapes, settings.MinActivationElements, settings.ConcatSharedScale);
        IReadOnlyDictionary<string, (float Min, float Max)> fused = new Dictionary<string, (float, float)>();
        if (settings.FuseActivations && settings.Activations.Mode != QuantMode.Symmetric)
        {
            var int8 = plan.Int8Nodes;
            fused = ActivationFusion.Apply(graph, (producer, activation) => int8.Contains(producer) && int8.Contains(activation), prepared.External);
            if (fused.Count > 0)
                plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat, shapes, settings.MinActivationElements, settings.ConcatSharedScale);
        }
        // Followers (MaxPool, Flatten outputs…) reuse their source's range but still need channel means for bias correction.
        var stats = collect(plan.QuantizedActivations.Distinct(StringComparer.Ordinal).ToList());

        var weights = QdqRewriter.QuantizeWeights(graph, plan, settings.Weights, prepared.External);
        IReadOnlyList<BiasCorrectionRecord> corrections = [];
        if (settings.BiasCorrection)
        {
            corrections = BiasCorrection.Apply(graph, weights, t => stats.Tensors.GetValueOrDefault(t)?.ChannelMeans, prepared.External);
            // Corrected or newly added biases are new initializers: plan again so they are quantized too.
            plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat, shapes, settings.MinActivationElements, settings.ConcatSharedScale);
        }

        var estimator = RangeEstimators.Create(calibration.Settings.Method, calibration.Settings.Estimator);
        var target = new QuantTarget(settings.Activations.EffectiveBits, settings.Activations.IsSigned, settings.Activations.Mode == QuantMode.Symmetric);
        var ranges = StatisticsCollector.Ranges(stats, plan.CalibratedTensors, estimator, target);
        if (settings.GemmInputClip is { } clip)
            ranges = RangeClipping.Apply(ranges, plan, (float)clip);
        if (settings.NetAwareClipping)
            ranges = RangeClipping.ApplyNetAware(ranges, plan);
        var parameters = new Dictionary<string, QuantParams>(StringComparer.Ordinal);
        foreach (var (tensor, range) in ranges)
        {
            var clipped = fused.TryGetValue(tensor, out var bounds)
                ? (Math.Max(range.Min, bounds.Min), Math.Min(range.Max, bounds.Max))
                : range;
            parameters[tensor] = QuantParams.FromRange(clipped.Item1, clipped.Item2, settings.Activations);
        }
        var records = QdqRewriter.Apply(graph, plan, parameters, weights,
            new QdqRewriteSettings(settings.Weights, settings.Activations, outputOpset), prepared.External);
        var quantized = WithGraph(prepared, graph, outputOpset);
        return new StaticQuantizationResult(quantized, prepared, plan, records, preparedModel.FoldedBatchNorms, fused.Count, corrections, stats);
    }

    private static bool NeedsOpset21(StaticQuantizationSettings s) =>
        s.Activations.Bits > 8 || s.Weights.Bits > 8 || s.Weights.Bits <= 4 || s.Activations.Bits <= 4;

    private static OnnxModel WithGraph(OnnxModel source, OnnxGraph graph, long opset)
    {
        var proto = source.Proto.Clone();
        proto.Graph = graph.ToProto();
        foreach (var import in proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
            import.Version = opset;
        if (opset >= 21 && proto.IrVersion < 10)
            proto.IrVersion = 10;
        return new OnnxModel(proto, source.External?.BaseDirectory, source.SourcePath);
    }

    private static Func<Node, string?> SkipPredicate(StaticQuantizationSettings settings, OnnxGraph graph)
    {
        var names = graph.Nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var patterns = new List<Regex>();
        foreach (string entry in settings.SkipNodes)
        {
            if (names.Contains(entry))
                continue;
            Regex regex;
            try { regex = new Regex("^(?:" + entry + ")$", RegexOptions.CultureInvariant); }
            catch (ArgumentException ex) { throw new PtqException($"--skip '{entry}' is neither a node name nor a valid regular expression: {ex.Message}"); }
            if (!graph.Nodes.Any(n => regex.IsMatch(n.Name)))
                throw new PtqException($"--skip '{entry}' matches no node; closest names: {string.Join(", ", Closest(entry, names))}");
            patterns.Add(regex);
        }
        var opTypes = settings.SkipOpTypes.ToHashSet(StringComparer.Ordinal);
        return node =>
            settings.SkipNodes.Contains(node.Name) || patterns.Any(p => p.IsMatch(node.Name)) ? "skipped by name (--skip)"
            : opTypes.Contains(node.OpType) ? "skipped by op type (--skip-op)"
            : null;
    }

    internal static IEnumerable<string> Closest(string wanted, IEnumerable<string> candidates) =>
        candidates.OrderBy(c => EditDistance(wanted, c)).ThenBy(c => c, StringComparer.Ordinal).Take(3).Select(c => $"'{c}'");

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int previous = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
