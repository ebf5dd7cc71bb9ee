using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Runtime;
using Ptq.Statistics;
using Ptq.Tuning;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

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
    IReadOnlyList<BiasCorrectionRecord> BiasCorrections, StatsFile Statistics)
{
    /// <summary>What GPTQ or AdaRound reconstruction chose per layer, when the weight method reconstructs.</summary>
    internal ReconstructedWeights? Reconstruction { get; init; }
}

/// <summary>
/// Static quantization: prepare → plan → collect statistics → quantize weights → bias correction → ranges → rewrite to
/// QDQ. Statistics come from samples streamed through the model or from a stats file saved by <c>ptq calibrate</c>.
/// </summary>
public static class StaticQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="model"/> (not modified). Throws <see cref="PtqException"/> subtypes for invalid
    /// settings, models that cannot be upgraded, statistics that do not cover the plan, or NaN/Inf activations.
    /// <paramref name="log"/> receives one line per reconstructed layer (GPTQ, AdaRound).
    /// </summary>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration,
        IProgress<string>? log = null)
    {
        settings.Validate();
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization, padInputChannels: true);
        var prepared = preparedModel.Model;
        var choices = new QuantizationChoices(settings, calibration.Settings.Method, OnnxGraph.FromModel(prepared, promoteConstants: false));
        long outputOpset = choices.OutputOpset(prepared.DefaultOpset, quantizesActivations: true);
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

        var weights = QdqRewriter.QuantizeWeights(graph, plan, choices.WeightScheme, prepared.External, settings.RangeMethod);
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
        ReconstructedWeights? reconstruction = null;
        if (settings.ReconstructsWeights)
            (quantized, records, reconstruction) = WeightReconstruction.Apply(quantized, prepared, records, settings.WeightMethod, settings.Reconstruction,
                (calibration as CalibrationInput.FromSamples)?.Samples.Take(settings.Reconstruction.Samples).ToList(), settings.ReusedReconstruction,
                log, cancellationToken: (calibration as CalibrationInput.FromSamples)?.CancellationToken ?? default);
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
        return new StaticQuantizationResult(quantized, prepared, plan, records, preparedModel.FoldedBatchNorms, fused.Count, corrections, stats)
        {
            Reconstruction = reconstruction,
        };
    }

    /// <summary>
    /// What calibration must observe, and no more (every exposed tensor costs ORT a buffer and the observers a pass):
    /// histograms or other estimator inputs for calibrated tensors; channel means for the inputs bias correction reads,
    /// even when they only follow another tensor's range (MaxPool outputs); nothing for the other followers (Concat
    /// inputs sharing the output's scale), which are not even exposed.
    /// </summary>
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
}
