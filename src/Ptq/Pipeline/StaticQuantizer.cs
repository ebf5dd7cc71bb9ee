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
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization, padInputChannels: true);
        var prepared = preparedModel.Model;
        var choices = new QuantizationChoices(settings, calibration.Settings.Method, OnnxGraph.FromModel(prepared, promoteConstants: false));
        long outputOpset = choices.Schemes.Any(NeedsOpset21) ? 21 : prepared.DefaultOpset;
        if (outputOpset > prepared.DefaultOpset)
            prepared = OpsetUpgrader.Upgrade(prepared, 21);

        Func<string, bool>? isFloat = null;
        Func<string, long[]?>? shapes = null;
        Func<IReadOnlyDictionary<string, StatisticKinds>, StatsFile> collect; // tensor → what it needs observed
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
                collect = kinds => StatisticsCollector.Collect(prepared, [.. kinds.Keys], t => options with { Kinds = kinds[t] }, fromSamples.Samples,
                    fromSamples.Count, calibration.Settings.Runner, fromSamples.Progress, fromSamples.CancellationToken);
                break;
            default:
                throw new ArgumentException($"unknown calibration input {calibration.GetType().Name}", nameof(calibration));
        }

        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        if (calibration is CalibrationInput.FromStats statsInput)
            RefuseForeignStatistics(statsInput.Stats, graph);
        choices = new QuantizationChoices(settings, calibration.Settings.Method, graph);
        Func<Node, string?> skip = choices.SkipReason;
        var plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat, shapes, settings.MinActivationElements, settings.ConcatSharedScale);
        IReadOnlyDictionary<string, (float Min, float Max)> fused = new Dictionary<string, (float, float)>();
        if (settings.FuseActivations && settings.Activations.Mode != QuantMode.Symmetric)
        {
            var int8 = plan.Int8Nodes;
            fused = ActivationFusion.Apply(graph, (producer, activation) => int8.Contains(producer) && int8.Contains(activation), prepared.External);
            if (fused.Count > 0)
                plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat, shapes, settings.MinActivationElements, settings.ConcatSharedScale);
        }
        var stats = collect(NeededStatistics(plan, choices, calibration.Settings, settings.BiasCorrection));

        var weights = QdqRewriter.QuantizeWeights(graph, plan, choices.WeightScheme, prepared.External, settings.WeightMethod);
        ClipTableWeights.Apply(weights, graph, choices, prepared.External);
        IReadOnlyList<BiasCorrectionRecord> corrections = [];
        if (settings.BiasCorrection)
        {
            corrections = BiasCorrection.Apply(graph, weights, t => stats.Tensors.GetValueOrDefault(t)?.ChannelMeans, prepared.External);
            // Corrected or newly added biases are new initializers: plan again so they are quantized too.
            plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat, shapes, settings.MinActivationElements, settings.ConcatSharedScale);
        }

        var ranges = new Dictionary<string, (float Min, float Max)>(StringComparer.Ordinal);
        foreach (var group in plan.CalibratedTensors.GroupBy(t => (Method: choices.Method(t), Scheme: choices.ActivationScheme(t))))
        {
            var estimator = RangeEstimators.Create(group.Key.Method, calibration.Settings.Estimator);
            var scheme = group.Key.Scheme;
            var target = new QuantTarget(scheme.EffectiveBits, scheme.IsSigned, scheme.Mode == QuantMode.Symmetric);
            foreach (var (tensor, range) in StatisticsCollector.Ranges(stats, group, estimator, target))
                ranges[tensor] = range;
        }
        foreach (string tensor in plan.CalibratedTensors)
        {
            if (choices.ClipOf(tensor) is double tableClip)
                ranges[tensor] = (-(float)tableClip, (float)tableClip);
        }
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
            parameters[tensor] = QuantParams.FromRange(clipped.Item1, clipped.Item2, choices.ActivationScheme(tensor));
        }
        var records = QdqRewriter.Apply(graph, plan, parameters, weights,
            new QdqRewriteSettings(settings.Weights, settings.Activations, outputOpset), prepared.External);
        var quantized = WithGraph(prepared, graph, outputOpset);
        if (settings.BiasCorrection && settings.EmpiricalBiasCorrection && calibration is CalibrationInput.FromSamples samples)
        {
            // The analytic correction above removed the weight rounding's shift; this one measures what is left,
            // activation rounding included, on the first samples (enumerated a third time).
            var measured = samples.Samples.Take(EmpiricalBiasCorrection.DefaultSamples).ToList();
            var (corrected, empirical) = EmpiricalBiasCorrection.Apply(quantized, prepared, measured, calibration.Settings.Runner,
                cancellationToken: samples.CancellationToken);
            quantized = corrected;
            var remeasured = empirical.Select(r => r.Node).ToHashSet(StringComparer.Ordinal);
            corrections = [.. corrections.Where(c => !remeasured.Contains(c.Node)), .. empirical];
        }
        return new StaticQuantizationResult(quantized, prepared, plan, records, preparedModel.FoldedBatchNorms, fused.Count, corrections, stats);
    }

    /// <summary>
    /// What calibration must observe, and no more (every exposed tensor costs ORT a buffer and the observers a pass):
    /// histograms or other estimator inputs for calibrated tensors; channel means for the inputs bias correction reads,
    /// even when they only follow another tensor's range (MaxPool outputs); nothing for the other followers (Concat
    /// inputs sharing the output's scale), which are not even exposed.
    /// </summary>
    /// <summary>
    /// Statistics name the tensors they were collected on. When most of them are not values of this model they come
    /// from another model and would quantize next to nothing (tensors without statistics are left float as if they
    /// were not float32); a few unknown names are tolerated, as preparation options (BatchNorm folding) rename a few.
    /// </summary>
    private static void RefuseForeignStatistics(StatsFile stats, OnnxGraph graph)
    {
        var values = graph.Inputs.Select(i => i.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs)).ToHashSet(StringComparer.Ordinal);
        var foreign = stats.Tensors.Keys.Where(k => !values.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (stats.Tensors.Count > 0 && foreign.Count * 2 <= stats.Tensors.Count)
            return;
        string example = foreign.FirstOrDefault() ?? "";
        throw new PtqException(stats.Tensors.Count == 0
            ? "the statistics hold no tensors; collect them with 'ptq calibrate' on this model"
            : $"{foreign.Count} of the {stats.Tensors.Count} tensors in the statistics are not values of this model (e.g. '{example}'; closest model values: " +
              $"{string.Join(", ", NodeMatcher.Closest(example, values))}): they were collected on another model; run 'ptq calibrate' on this one");
    }

    private static Dictionary<string, StatisticKinds> NeededStatistics(QuantizationPlan plan, QuantizationChoices choices,
        CalibrationSettings calibration, bool biasCorrection)
    {
        var kinds = new Dictionary<string, StatisticKinds>(StringComparer.Ordinal);
        foreach (string tensor in plan.CalibratedTensors)
            kinds[tensor] = RangeEstimators.Create(choices.Method(tensor), calibration.Estimator).RequiredStatistics;
        if (biasCorrection)
            foreach (string tensor in BiasCorrection.MeasuredInputs(plan).Where(t => kinds.ContainsKey(t) || plan.Follows.ContainsKey(t)).ToList())
                kinds[tensor] = kinds.GetValueOrDefault(tensor) | StatisticKinds.ChannelMeans;
        return kinds;
    }

    // 4-bit and 16-bit QuantizeLinear/DequantizeLinear arrived in opset 21.
    private static bool NeedsOpset21(QuantScheme scheme) => scheme.Bits > 8 || scheme.Bits <= 4;

    private static OnnxModel WithGraph(OnnxModel source, OnnxGraph graph, long opset)
    {
        var proto = source.Proto.Clone();
        proto.Graph = graph.ToProto();
        foreach (var import in proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
            import.Version = opset;
        if (opset >= 21 && proto.IrVersion < 10)
            proto.IrVersion = 10;
        return source.Derive(proto);
    }
}
