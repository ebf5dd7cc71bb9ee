using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Runtime;
using Ptq.Statistics;
using Ptq.Tuning;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Pipeline.Reconstruction;

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
internal sealed record StaticQuantizationResult(OnnxModel Model, OnnxModel PreparedFloatModel, QuantizationPlan Plan,
    IReadOnlyList<QuantizedTensorRecord> Tensors, int FoldedBatchNorms, int FusedActivations,
    IReadOnlyList<BiasCorrectionRecord> BiasCorrections, StatsFile Statistics)
{
    /// <summary>What GPTQ or AdaRound reconstruction chose per layer, when the weight method reconstructs.</summary>
    internal ReconstructedWeights? Reconstruction { get; init; }

    /// <summary>The α per smoothed activation a SmoothQuant search chose (null value: left unsmoothed), when it ran.</summary>
    internal IReadOnlyDictionary<string, double?>? SmoothingAlphas { get; init; }
}

/// <summary>
/// Static quantization: prepare → plan → collect statistics → quantize weights → bias correction → ranges → rewrite to
/// QDQ. Statistics come from samples streamed through the model or from a stats file saved by <c>ptq calibrate</c>.
/// </summary>
internal static class StaticQuantizer
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
        var prepared = Prepare(model, settings, calibration);
        var draft = Draft(prepared, settings, calibration.Settings);
        var stats = calibration is CalibrationInput.FromStats fromStats ? fromStats.Stats
            : Collect(draft.Model, draft.Request, (CalibrationInput.FromSamples)calibration);
        return Finish(draft, stats, calibration as CalibrationInput.FromSamples, log);
    }

    /// <summary>The run's first stage: the prepared model and its tensors, probed with the first sample or read from statistics.</summary>
    internal static PreparedQuantization Prepare(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration)
    {
        var probe = calibration is CalibrationInput.FromSamples fromSamples
            ? fromSamples.Samples.FirstOrDefault() ?? throw new PtqException("no calibration samples were given: the data source is empty")
            : null;
        var prepared = PreparedQuantization.Create(model, settings, probe, (calibration as CalibrationInput.FromStats)?.Stats, calibration.Settings.Runner,
            m => OutputOpset(m, settings, calibration.Settings.Method));
        if (calibration is CalibrationInput.FromStats statsInput)
            RefuseForeignStatistics(statsInput.Stats, OnnxGraph.FromModel(prepared.ModelAt(OutputOpset(prepared.Preparation.Model, settings, calibration.Settings.Method)), promoteConstants: false));
        return prepared;
    }

    /// <summary>
    /// Plans a quantization of <paramref name="prepared"/> with <paramref name="settings"/>: the plan, the Relu/Clip fusions
    /// (applied to a graph of its own) and the statistics it needs. Nothing is calibrated yet.
    /// </summary>
    internal static QuantizationDraft Draft(PreparedQuantization prepared, StaticQuantizationSettings settings, CalibrationSettings calibration)
    {
        settings.Validate();
        prepared.RequireSamePreparation(settings);
        long outputOpset = OutputOpset(prepared.Preparation.Model, settings, calibration.Method);
        var model = prepared.ModelAt(outputOpset);
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var choices = new QuantizationChoices(settings, calibration.Method, graph);
        Func<Node, string?> skip = choices.SkipReason;
        QuantizationPlan Plan() => QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, prepared.IsFloat, prepared.ShapeOf,
            settings.MinActivationElements, settings.ConcatSharedScale, settings.QuantizedParameters);
        var plan = Plan();
        IReadOnlyDictionary<string, FloatRange> fused = new Dictionary<string, FloatRange>();
        if (settings.FuseActivations && settings.Activations.Mode != QuantMode.Symmetric)
        {
            var int8 = plan.Int8Nodes;
            // Only an unsigned output clamps what the removed Relu/Clip clamped: a symmetric tensor (a clip-table entry, an
            // override) keeps its negative codes, so it keeps its activation op.
            fused = ActivationFusion.Apply(graph, (producer, activation) => int8.Contains(producer) && int8.Contains(activation)
                && choices.ActivationScheme(activation.Outputs[0]).Mode != QuantMode.Symmetric && choices.ActivationScheme(producer.Outputs[0]).Mode != QuantMode.Symmetric,
                model.External);
            if (fused.Count > 0)
                plan = Plan();
        }
        var request = NeededStatistics(plan, choices, calibration, settings.BiasCorrection);
        var smoothing = settings.SmoothQuantAlpha is null ? null : SmoothQuant.Find(graph);
        foreach (string activation in smoothing?.Activations ?? [])
            request[activation] = request.GetValueOrDefault(activation) | StatisticKinds.PerChannel;
        return new QuantizationDraft(prepared, settings, calibration, model, outputOpset, graph, choices, Plan, plan, fused, request)
        {
            Smoothing = smoothing,
        };
    }

    /// <summary>Streams the calibration samples once through <paramref name="model"/>, observing what <paramref name="request"/> asks for.</summary>
    internal static StatsFile Collect(OnnxModel model, IReadOnlyDictionary<string, StatisticKinds> request, CalibrationInput.FromSamples samples)
    {
        PipelineCounters.Current?.Calibrated();
        var options = samples.Settings.StatisticsOptions();
        // Per-channel extents are SmoothQuant's: along the last axis, the input features MatMul/Gemm reduce.
        return StatisticsCollector.Collect(model, [.. request.Keys],
            t => options with { Kinds = request[t], ChannelAxis = request[t].HasFlag(StatisticKinds.PerChannel) ? -1 : options.ChannelAxis }, samples.Samples,
            samples.Count, samples.Settings.Runner, samples.Progress, samples.CancellationToken);
    }

    /// <summary>
    /// Quantizes <paramref name="draft"/> from <paramref name="stats"/> (which must cover its request; only what it requested
    /// is read, so statistics collected for a wider set give the same model): weights, bias correction, ranges, the QDQ
    /// rewrite and, with <paramref name="samples"/>, GPTQ or AdaRound weight reconstruction and empirical bias correction.
    /// Without samples a reconstructing weight method writes back <see cref="StaticQuantizationSettings.ReusedReconstruction"/>.
    /// </summary>
    internal static StaticQuantizationResult Finish(QuantizationDraft draft, StatsFile stats, CalibrationInput.FromSamples? samples,
        IProgress<string>? log = null, RangeMemo? memo = null)
    {
        var (settings, graph, choices, model) = (draft.Settings, draft.Graph, draft.Choices, draft.Model);
        var plan = draft.Plan;
        var (smoothed, alphas) = Smooth(draft, stats, samples, log);
        // Reconstruction and empirical bias correction compare layer by layer with a float model that has the same smoothing.
        var reference = smoothed.Count > 0 && (settings.ReconstructsWeights || settings.EmpiricalBiasCorrection) ? WithGraph(model, graph, draft.OutputOpset) : model;
        var weights = QdqRewriter.QuantizeWeights(graph, plan, choices.WeightScheme, model.External, settings.RangeMethod);
        ClipTableWeights.Apply(weights, graph, choices, model.External);
        IReadOnlyList<BiasCorrectionRecord> corrections = [];
        if (settings.BiasCorrection)
        {
            corrections = BiasCorrection.Apply(graph, weights, t => draft.Requested(t, StatisticKinds.ChannelMeans) ? SmoothedMeans(stats.Tensors.GetValueOrDefault(t)?.ChannelMeans, smoothed.GetValueOrDefault(t)) : null,
                model.External);
            // Corrected or newly added biases are new initializers: plan again so they are quantized too.
            plan = draft.Replan();
        }

        var ranges = new Dictionary<string, FloatRange>(StringComparer.Ordinal);
        // Net-aware clipping: activations whose readers ignore how far below some value they go (a Relu left float, a
        // hard-swish behind float arithmetic) spend no codes below it.
        var deadZones = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string tensor in settings.NetAwareClipping ? plan.CalibratedTensors : [])
        {
            if (DeadZones.Below(graph, tensor, model.External) is double bound)
                deadZones[tensor] = bound;
        }
        foreach (var group in plan.CalibratedTensors.GroupBy(t => (Method: choices.Method(t), Scheme: choices.ActivationScheme(t))))
        {
            IRangeEstimator estimator = new DeadZoneRanges(RangeEstimators.Create(group.Key.Method, draft.Calibration.Estimator), deadZones);
            var scheme = group.Key.Scheme;
            var target = new QuantTarget(scheme.EffectiveBits, scheme.IsSigned, scheme.Mode == QuantMode.Symmetric);
            foreach (var (tensor, range) in (memo ?? new RangeMemo()).Ranges(stats, [.. group], group.Key.Method, estimator, target))
                ranges[tensor] = range;
        }
        // A smoothed activation was observed before its division: its histogram is gone, its per-channel extents divide exactly.
        foreach (var (tensor, scales) in smoothed)
        {
            if (ranges.ContainsKey(tensor))
                ranges[tensor] = SmoothQuant.SmoothedRange(stats.Tensors[tensor].PerChannel!, scales);
        }
        foreach (string tensor in plan.CalibratedTensors)
        {
            if (choices.ClipOf(tensor) is double tableClip)
                ranges[tensor] = new FloatRange(-(float)tableClip, (float)tableClip);
        }
        foreach (var (tensor, searched) in settings.SearchedRanges)
        {
            if (ranges.ContainsKey(tensor))
                ranges[tensor] = searched;
        }
        var parameters = Parameters(draft, plan, ranges);
        var records = QdqRewriter.Apply(graph, plan, parameters, weights,
            new QdqRewriteSettings(settings.Weights, settings.Activations, draft.OutputOpset, settings.FloatWeightsWithQdq, settings.DedicatedQdqPairs), model.External);
        var quantized = WithGraph(model, graph, draft.OutputOpset);
        ReconstructedWeights? reconstruction = null;
        if (settings.ReconstructsWeights)
            (quantized, records, reconstruction) = Reconstruct(quantized, reference, records, settings, samples, log);
        if (settings.BiasCorrection && settings.EmpiricalBiasCorrection && samples is not null)
        {
            // The analytic correction above removed the weight rounding's shift; this one measures what is left,
            // activation rounding included, on the first samples (enumerated a third time).
            var measured = samples.Samples.Take(EmpiricalBiasCorrection.DefaultSamples).ToList();
            var (corrected, empirical) = EmpiricalBiasCorrection.Apply(quantized, reference, measured, draft.Calibration.Runner,
                cancellationToken: samples.CancellationToken);
            quantized = corrected;
            var remeasured = empirical.Select(r => r.Node).ToHashSet(StringComparer.Ordinal);
            corrections = [.. corrections.Where(c => !remeasured.Contains(c.Node)), .. empirical];
        }
        return new StaticQuantizationResult(quantized, model, plan, records, draft.Prepared.Preparation.FoldedBatchNorms, draft.Fused.Count, corrections, stats)
        {
            Reconstruction = reconstruction,
            SmoothingAlphas = alphas,
        };
    }

    /// <summary>
    /// The activation parameters of <paramref name="plan"/> from the estimated (or searched) ranges <paramref name="estimated"/>:
    /// Bolt's GEMM-input clip, net-aware clipping, the user's tensor overrides, the minimum real range and the bounds of
    /// a fused Relu/Clip, in that order. LAPQ's search computes its candidates' parameters here too, so what it measures
    /// is what <see cref="Finish"/> writes.
    /// </summary>
    internal static Dictionary<string, QuantParams> Parameters(QuantizationDraft draft, QuantizationPlan plan, IReadOnlyDictionary<string, FloatRange> estimated)
    {
        var settings = draft.Settings;
        var ranges = new Dictionary<string, FloatRange>(estimated, StringComparer.Ordinal);
        if (settings.GemmInputClip is { } clip)
            ranges = RangeClipping.Apply(ranges, plan, (float)clip);
        if (settings.NetAwareClipping)
            ranges = RangeClipping.ApplyNetAware(ranges, plan);
        var overrides = TensorQuantOverrides.Resolve(settings.TensorOverrides, plan);
        var parameters = new Dictionary<string, QuantParams>(StringComparer.Ordinal);
        foreach (var (tensor, calibrated) in ranges)
        {
            var range = TensorQuantOverrides.Range(overrides, tensor, calibrated);
            if (settings.MinimumRealRange is double minimum && range.Max - range.Min < minimum)
                range = range with { Max = (float)(range.Min + minimum) }; // as ONNX Runtime widens it: rmax = rmin + MinimumRealRange
            bool fused = draft.Fused.TryGetValue(tensor, out var bounds);
            var clipped = fused ? new FloatRange(Math.Max(range.Min, bounds.Min), Math.Min(range.Max, bounds.Max)) : range;
            var scheme = draft.Choices.ActivationScheme(tensor);
            parameters[tensor] = TensorQuantOverrides.Explicit(overrides, tensor, scheme, fused ? bounds : null)
                ?? QuantParams.FromRange(clipped.Min, clipped.Max, scheme);
        }
        return parameters;
    }

    /// <summary>
    /// SmoothQuant on the draft's graph, from the per-channel extents its request asked for: activation → s per channel
    /// (empty without smoothing). With <see cref="StaticQuantizationSettings.SmoothQuantSearch"/>, each activation gets the
    /// α its readers' quantized output measures best on the samples (<see cref="SmoothQuantAlphaSearch"/>), or the one
    /// <see cref="StaticQuantizationSettings.ReusedSmoothingAlphas"/> holds; those α are returned too. Reports what it
    /// smoothed and what it left, with reasons, to <paramref name="log"/>.
    /// </summary>
    private static (IReadOnlyDictionary<string, float[]> Scales, IReadOnlyDictionary<string, double?>? Alphas) Smooth(QuantizationDraft draft, StatsFile stats,
        CalibrationInput.FromSamples? samples, IProgress<string>? log)
    {
        var settings = draft.Settings;
        if (draft.Smoothing is not { } smoothing || settings.SmoothQuantAlpha is not { } alpha)
            return (new Dictionary<string, float[]>(), null);
        PerChannelRange? ExtentsOf(string t) => stats.Tensors.GetValueOrDefault(t)?.PerChannel;
        var alphas = !settings.SmoothQuantSearch ? null
            : settings.ReusedSmoothingAlphas ?? (samples is null ? null
            : SmoothQuantAlphaSearch.Choose(draft.Graph, smoothing, ExtentsOf,
                SmoothingRows.Collect(draft.Model, [.. smoothing.Activations], samples.Spread(SmoothingRows.Samples), samples.CancellationToken).GetValueOrDefault,
                draft.Choices.ActivationScheme, settings.Weights, settings.PerChannelWeights, dynamicRanges: false, draft.Model.External));
        if (alphas is null)
        {
            var smoothed = SmoothQuant.Apply(draft.Graph, smoothing, ExtentsOf, alpha, draft.Model.External);
            SmoothQuant.Report(smoothing, smoothed, alpha, log);
            return (smoothed, null);
        }
        var searched = SmoothQuant.Apply(draft.Graph, smoothing, ExtentsOf, g => alphas.GetValueOrDefault(g.Activation), draft.Model.External);
        SmoothQuant.Report(smoothing, searched, alphas, log);
        return (searched, alphas);
    }

    // Channel means of a smoothed 2-D Gemm input were observed before the division by s.
    private static ChannelMeans? SmoothedMeans(ChannelMeans? means, float[]? scales) =>
        means is null || scales is null || means.Means.Length != scales.Length ? means
            : means with { Means = [.. means.Means.Select((m, j) => m / scales[j])] };

    /// <summary>
    /// The stage after the QDQ rewrite for a reconstructing weight method: GPTQ or AdaRound codes chosen on samples spread
    /// over the set (each stage of layers reading the partly reconstructed model), or, without samples, the codes of
    /// <see cref="StaticQuantizationSettings.ReusedReconstruction"/> written back.
    /// </summary>
    private static ReconstructionOutcome Reconstruct(OnnxModel quantized, OnnxModel reference, IReadOnlyList<QuantizedTensorRecord> records,
        StaticQuantizationSettings settings, CalibrationInput.FromSamples? samples, IProgress<string>? log) =>
        WeightReconstruction.Apply(quantized, reference, records, settings.WeightMethod, settings.Reconstruction,
            settings.ReusedReconstruction is null ? samples?.Spread(settings.Reconstruction.Samples) : null,
            settings.ReusedReconstruction, log, samples?.CancellationToken ?? default);

    // 4-bit weights and 16-bit activations need opset 21; the rest keeps the prepared model's opset.
    private static long OutputOpset(OnnxModel prepared, StaticQuantizationSettings settings, CalibrationMethod method) =>
        new QuantizationChoices(settings, method, OnnxGraph.FromModel(prepared, promoteConstants: false)).OutputOpset(prepared.DefaultOpset, quantizesActivations: true);

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
        // Values inside If/Loop/Scan bodies are calibrated too (routed out), so they count as this model's.
        var values = graph.AllGraphs().SelectMany(g => g.Inputs.Select(i => i.Name).Concat(g.Nodes.SelectMany(n => n.Outputs))).ToHashSet(StringComparer.Ordinal);
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
