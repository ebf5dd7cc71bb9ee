using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Runtime;
using Ptq.Statistics;

namespace Ptq.Pipeline;

/// <summary>
/// Dynamic quantization (ORT's quantize_dynamic, Bolt's default): MatMul and Gemm with a constant weight become
/// DynamicQuantizeLinear (the activation's uint8 range is measured per inference) → MatMulInteger with 8-bit weights
/// (int8 symmetric by default, the u8×s8 product VNNI computes in one instruction; uint8 with zero points for asym_u) →
/// Cast → scaled by activation scale × weight scale (per output column) → + bias. No calibration data is needed;
/// ONNX Runtime fuses the pattern into one DynamicQuantizeMatMul per layer. LSTM becomes ONNX Runtime's DynamicQuantizeLSTM
/// (<see cref="DynamicLstm"/>), as its quantize_dynamic writes it. Layers inside If branches and Loop/Scan bodies are
/// rewritten in place. Other ops stay float.
/// </summary>
internal static class DynamicQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="model"/> (not modified) with weights of 2–8 bits per output column (or per tensor):
    /// symmetric in INT8 codes of the scheme's restricted range, or asymmetric (asym_u in UINT8, asym_s in INT8) with a
    /// zero point per column. Throws <see cref="PtqException"/> for wider weights (MatMulInteger reads 8-bit codes) and
    /// for activation settings other than 8-bit asym_u, which DynamicQuantizeLinear fixes.
    /// </summary>
    /// <remarks>
    /// With <see cref="StaticQuantizationSettings.SmoothQuantAlpha"/>, <paramref name="smoothing"/> must hold the per-channel
    /// extents <see cref="SmoothingStatistics"/> collected; the activations are smoothed before the weights are quantized.
    /// With <see cref="StaticQuantizationSettings.SmoothQuantSearch"/> and <paramref name="smoothingRows"/>
    /// (<see cref="SmoothingRowsOf"/>), each activation's α is searched against its readers' dynamically quantized output,
    /// unless <see cref="StaticQuantizationSettings.ReusedSmoothingAlphas"/> holds them already.
    /// </remarks>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings, StatsFile? smoothing = null,
        IProgress<string>? log = null, IReadOnlyDictionary<string, ActivationRows>? smoothingRows = null)
    {
        settings.Validate();
        CheckWeights(settings.Weights, "--weight-bits/--weight-mode");
        CheckActivations(settings.Activations, "--act-bits/--act-mode");
        if (settings.EdgeWeights is { } edge)
            CheckWeights(edge, SettingName.EdgeWeightBits.ToString());
        foreach (var o in settings.Overrides)
        {
            if (o.Weights is { } weights)
                CheckWeights(weights, $"override '{o.Pattern}'");
            if (o.Activations is { } activations)
                CheckActivations(activations, $"override '{o.Pattern}'");
        }
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization);
        var prepared = preparedModel.Model;
        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        IReadOnlyDictionary<string, double?>? alphas = null;
        if (settings.SmoothQuantAlpha is { } alpha)
        {
            if (smoothing is null)
                throw new SettingException(SettingName.SmoothQuant, $"{SettingName.SmoothQuant} measures activations per channel on calibration samples; add {SettingName.Data}");
            var plan = SmoothQuant.Find(graph);
            PerChannelRange? ExtentsOf(string t) => smoothing.Tensors.GetValueOrDefault(t)?.PerChannel;
            alphas = !settings.SmoothQuantSearch ? null
                : settings.ReusedSmoothingAlphas ?? (smoothingRows is null ? null
                : SmoothQuantAlphaSearch.Choose(graph, plan, ExtentsOf, smoothingRows.GetValueOrDefault, _ => settings.Activations,
                    settings.Weights, settings.PerChannelWeights, dynamicRanges: true, prepared.External));
            if (alphas is not null)
            {
                SmoothQuant.Report(plan, SmoothQuant.Apply(graph, plan, ExtentsOf, g => alphas.GetValueOrDefault(g.Activation), prepared.External), alphas, log);
            }
            else
            {
                SmoothQuant.Report(plan, SmoothQuant.Apply(graph, plan, ExtentsOf, alpha, prepared.External), alpha, log);
            }
        }
        // Exporters build LSTM weights inside bodies from constants with Slice/Concat (Silero's gate reordering); folded,
        // they are weights DynamicQuantizeLSTM can take. Only here: each sibling body gets its own folded copy, which pays
        // off when the copies are stored as int8, not in modes that leave LSTMs float.
        if (graph.Subgraphs().ToList().Sum(body => ConstantFolding.Apply(body, prepared.External, slicesAndConcats: true)) > 0)
            foreach (var g in graph.AllGraphs().ToList())
                g.RemoveUnusedInitializers();
        var choices = new QuantizationChoices(settings, CalibrationMethod.MinMax, graph);
        var records = new List<QuantizedTensorRecord>();
        var floatNodes = new List<FloatNode>();

        // Layers in If branches and Loop/Scan bodies too, each rewritten inside its own graph.
        foreach (var node in graph.AllGraphs().SelectMany(g => g.TopologicalOrder()).ToList())
        {
            if (!node.IsStandard || node.OpType is not ("MatMul" or "Gemm" or "LSTM"))
                continue;
            if (choices.SkipReason(node) is { } reason)
            {
                floatNodes.Add(new FloatNode(node, reason));
                continue;
            }
            if (node.OpType == "LSTM")
            {
                var lstmScheme = choices.WeightScheme(node);
                if (DynamicLstm.WeightsOf(node) is not { } lstm)
                    floatNodes.Add(new FloatNode(node, "no constant 3-D float W and R, or a batch-first layout"));
                else if (lstmScheme.Mode != QuantMode.Symmetric || lstmScheme.Bits != 8)
                    floatNodes.Add(new FloatNode(node, $"DynamicQuantizeLSTM reads 8-bit symmetric weights; the weight scheme is {lstmScheme}"));
                else
                    records.AddRange(DynamicLstm.Rewrite(node, lstm.W, lstm.R, lstmScheme with { NarrowRange = true }, settings.PerChannelWeights, prepared.External));
                continue;
            }
            var scope = node.Graph;
            if (DynamicMatMul.WeightOf(scope, node, prepared.External) is not { } weight)
            {
                floatNodes.Add(new FloatNode(node, "no constant 2-D float weight, or Gemm with transA/alpha/beta"));
                continue;
            }
            var scheme = choices.WeightScheme(node);
            var bias = weight.Bias is null ? DynamicMatMul.FollowingBias(scope, node, weight.N, prepared.External) : null;
            records.Add(DynamicMatMul.Rewrite(scope, node, bias is { } b ? weight with { Bias = b.Bias } : weight,
                scheme with { NarrowRange = scheme.Mode == QuantMode.Symmetric }, settings.PerChannelWeights, bias?.Add));
        }
        foreach (var g in graph.AllGraphs().ToList())
            g.RemoveUnusedInitializers();
        var proto = prepared.Proto.Clone();
        proto.Graph = graph.ToProto();
        if (graph.AllGraphs().Any(g => g.Nodes.Any(n => n.Domain == DynamicLstm.Domain)) && !proto.OpsetImport.Any(o => o.Domain == DynamicLstm.Domain))
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = DynamicLstm.Domain, Version = 1 });
        var result = prepared.Derive(proto);
        var quantizationPlan = new QuantizationPlan([], new Dictionary<string, string>(), [], [], [], floatNodes, new HashSet<Node>());
        return new StaticQuantizationResult(result, prepared, quantizationPlan, records, preparedModel.FoldedBatchNorms, 0, [], smoothing ?? new StatsFile(0, []))
        {
            SmoothingAlphas = alphas,
        };
    }

    /// <summary>
    /// The one pass over <paramref name="samples"/> SmoothQuant needs in dynamic mode: per-channel extents (last axis) of
    /// the activations it can smooth in the model <see cref="Quantize"/> prepares with <paramref name="settings"/>.
    /// </summary>
    public static StatsFile SmoothingStatistics(OnnxModel model, StaticQuantizationSettings settings, IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples,
        int? count, RunnerOptions? runner, CancellationToken cancellationToken = default)
    {
        var prepared = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization).Model;
        var activations = SmoothQuant.Find(OnnxGraph.FromModel(prepared, promoteConstants: false)).Activations.ToList();
        PipelineCounters.Current?.Calibrated();
        return StatisticsCollector.Collect(prepared, activations, _ => new StatisticsOptions { Kinds = StatisticKinds.PerChannel, ChannelAxis = -1 },
            samples, count, runner, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Activation rows of the smoothable activations on <paramref name="samples"/> (at most <see cref="SmoothingRows.Samples"/>
    /// are used), for the α search of <see cref="Quantize"/>.
    /// </summary>
    public static Dictionary<string, ActivationRows> SmoothingRowsOf(OnnxModel model, StaticQuantizationSettings settings,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, CancellationToken cancellationToken = default)
    {
        var prepared = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization).Model;
        var activations = SmoothQuant.Find(OnnxGraph.FromModel(prepared, promoteConstants: false)).Activations.ToList();
        return SmoothingRows.Collect(prepared, activations, samples, cancellationToken);
    }

    private static void CheckWeights(QuantScheme weights, string what)
    {
        if (weights.Bits > 8)
            throw new SettingException(SettingName.Mode, $"{SettingName.Mode} dynamic quantizes weights to 2–8 bits (MatMulInteger's 8-bit weights); {weights} ({what}) is not supported");
    }

    private static void CheckActivations(QuantScheme activations, string what)
    {
        if (activations != QuantScheme.ActivationDefault)
            throw new SettingException(SettingName.Mode, $"{SettingName.Mode} dynamic: DynamicQuantizeLinear quantizes activations to {QuantScheme.ActivationDefault} at run time; {activations} activations ({what}) are not supported");
    }
}
