using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Statistics;

namespace Ptq.Pipeline;

/// <summary>
/// One static quantization run, prepared once and calibrated once: <see cref="Plain"/> is the quantization the settings
/// ask for, and <see cref="Quantize"/> re-plans and rewrites variants of those settings (more float nodes, other bits)
/// from the same preparation and statistics, as the accuracy guard and the target searches do.
/// </summary>
internal sealed class StaticRun
{
    private readonly CalibrationSettings _calibration;
    private readonly CalibrationInput.FromSamples? _samples;
    private readonly RangeMemo _ranges;

    private StaticRun(PreparedQuantization prepared, CalibrationSettings calibration, CalibrationInput.FromSamples? samples, StatsFile stats, RangeMemo ranges,
        StaticQuantizationResult plain)
    {
        _ranges = ranges;
        Prepared = prepared;
        _calibration = calibration;
        _samples = samples;
        Stats = stats;
        Plain = plain;
    }

    /// <summary>The run's preparation.</summary>
    public PreparedQuantization Prepared { get; }

    /// <summary>The statistics of the one calibration pass (or the given stats file).</summary>
    public StatsFile Stats { get; }

    /// <summary>The quantization the settings ask for.</summary>
    public StaticQuantizationResult Plain { get; }

    /// <summary>
    /// Prepares <paramref name="model"/>, plans <paramref name="settings"/> and calibrates once. With
    /// <paramref name="forVariants"/> the pass also observes what any variant could need (every float tensor, with the
    /// statistics of every range method in use and channel means for bias correction), so a search after it calibrates
    /// nothing again; <see cref="Plain"/> reads only what it requested and is the same model either way. A reconstructing
    /// weight method (GPTQ, AdaRound) reconstructs once, for <see cref="Plain"/>, and reports each layer to <paramref name="log"/>.
    /// </summary>
    public static StaticRun Create(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration, bool forVariants,
        IProgress<string>? log = null)
    {
        settings.Validate();
        var prepared = StaticQuantizer.Prepare(model, settings, calibration);
        var draft = StaticQuantizer.Draft(prepared, settings, calibration.Settings);
        var samples = calibration as CalibrationInput.FromSamples;
        var stats = calibration is CalibrationInput.FromStats fromStats ? fromStats.Stats
            : StaticQuantizer.Collect(draft.Model, forVariants ? Widen(draft) : draft.Request, samples!);
        var ranges = new RangeMemo();
        return new StaticRun(prepared, calibration.Settings, samples, stats, ranges, StaticQuantizer.Finish(draft, stats, samples, log, ranges));
    }

    /// <summary>
    /// A variant of the run's settings, quantized from the same preparation and statistics (no empirical bias correction);
    /// with a reconstructing weight method it writes back the codes <see cref="Plain"/>'s reconstruction chose, for the
    /// layers whose grid is unchanged (the others keep round-to-nearest codes).
    /// </summary>
    public StaticQuantizationResult Quantize(StaticQuantizationSettings settings)
    {
        if (settings.ReconstructsWeights && settings.ReusedReconstruction is null)
            settings = settings with { ReusedReconstruction = Plain.Reconstruction };
        settings = settings with { ReusedSmoothingAlphas = settings.ReusedSmoothingAlphas ?? Plain.SmoothingAlphas };
        return StaticQuantizer.Finish(StaticQuantizer.Draft(Prepared, settings, _calibration), Stats, samples: null, memo: _ranges);
    }

    /// <summary>The plan of a variant of the run's settings (nothing quantized yet), for searches that compute parameters themselves.</summary>
    internal QuantizationDraft Draft(StaticQuantizationSettings settings) => StaticQuantizer.Draft(Prepared, settings, _calibration);

    /// <summary>The ranges the run's statistics give <paramref name="tensors"/> for <paramref name="target"/> with <paramref name="estimator"/>.</summary>
    internal IReadOnlyDictionary<string, FloatRange> Ranges(IReadOnlyCollection<string> tensors, IRangeEstimator estimator, QuantTarget target) =>
        StatisticsCollector.Ranges(Stats, tensors, estimator, target);

    /// <summary>
    /// As <see cref="Quantize"/>, but a reconstructing weight method solves the codes again on the calibration samples,
    /// each layer against the variant's own quantized inputs (codes fitted to the errors of layers the variant changes
    /// would miscorrect); one reconstruction per call. Without samples (a stats file) it is <see cref="Quantize"/>.
    /// </summary>
    public StaticQuantizationResult Reconstruct(StaticQuantizationSettings settings) =>
        settings.ReconstructsWeights && settings.ReusedReconstruction is null && _samples is not null
            ? StaticQuantizer.Finish(StaticQuantizer.Draft(Prepared, settings with { ReusedSmoothingAlphas = settings.ReusedSmoothingAlphas ?? Plain.SmoothingAlphas }, _calibration),
                Stats, _samples, memo: _ranges)
            : Quantize(settings);

    /// <summary>The draft's request widened to every float tensor of the model, for variants' plans.</summary>
    private static Dictionary<string, StatisticKinds> Widen(QuantizationDraft draft)
    {
        var kinds = draft.Choices.Methods.Aggregate(StatisticKinds.MinMax,
            (k, method) => k | RangeEstimators.Create(method, draft.Calibration.Estimator).RequiredStatistics);
        if (draft.Settings.BiasCorrection)
            kinds |= StatisticKinds.ChannelMeans;
        var graph = OnnxGraph.FromModel(draft.Model, promoteConstants: false);
        var tensors = graph.Inputs.Select(i => i.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs))
            .Where(t => t.Length > 0 && draft.Prepared.IsFloat(t));
        var request = new Dictionary<string, StatisticKinds>(draft.Request, StringComparer.Ordinal);
        foreach (string tensor in tensors)
            request[tensor] = request.GetValueOrDefault(tensor) | kinds;
        return request;
    }
}
