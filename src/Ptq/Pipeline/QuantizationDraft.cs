using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Statistics;

namespace Ptq.Pipeline;

/// <summary>
/// A planned static quantization waiting for statistics (<see cref="StaticQuantizer.Draft"/>): its own graph of the
/// prepared model with the planned Relu/Clip fusions applied, the decisions, and the statistics it needs.
/// </summary>
internal sealed class QuantizationDraft(PreparedQuantization prepared, StaticQuantizationSettings settings, CalibrationSettings calibration,
    OnnxModel model, long outputOpset, OnnxGraph graph, QuantizationChoices choices, Func<QuantizationPlan> replan, QuantizationPlan plan,
    IReadOnlyDictionary<string, FloatRange> fused, IReadOnlyDictionary<string, StatisticKinds> request)
{
    public PreparedQuantization Prepared { get; } = prepared;

    public StaticQuantizationSettings Settings { get; } = settings;

    public CalibrationSettings Calibration { get; } = calibration;

    /// <summary>The prepared model at <see cref="OutputOpset"/>: what is calibrated and rewritten.</summary>
    public OnnxModel Model { get; } = model;

    public long OutputOpset { get; } = outputOpset;

    /// <summary>The graph the rewrite edits (fusions already applied).</summary>
    public OnnxGraph Graph { get; } = graph;

    public QuantizationChoices Choices { get; } = choices;

    public QuantizationPlan Plan { get; } = plan;

    /// <summary>Relu/Clip fused into their producers' quantized output: tensor → the activation's bounds.</summary>
    public IReadOnlyDictionary<string, FloatRange> Fused { get; } = fused;

    /// <summary>What calibration must observe for this quantization: tensor → statistic kinds.</summary>
    public IReadOnlyDictionary<string, StatisticKinds> Request { get; } = request;

    /// <summary>Whether <paramref name="tensor"/>'s <paramref name="kind"/> is part of <see cref="Request"/>.</summary>
    public bool Requested(string tensor, StatisticKinds kind) => Request.TryGetValue(tensor, out var kinds) && (kinds & kind) == kind;

    /// <summary>The activations SmoothQuant smooths in <see cref="Graph"/> once statistics are in (and those it refused), or null without smoothing.</summary>
    public SmoothingPlan? Smoothing { get; init; }

    /// <summary>Plans <see cref="Graph"/> again after an edit (bias correction adds biases).</summary>
    public QuantizationPlan Replan() => replan();
}
