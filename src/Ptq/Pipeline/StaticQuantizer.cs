using System.Text.RegularExpressions;
using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Runtime;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>The outcome of a static quantization.</summary>
/// <param name="Model">The quantized model (QDQ form).</param>
/// <param name="PreparedFloatModel">The float model after canonicalization (BN folded, constants promoted): what was calibrated.</param>
/// <param name="Plan">The decisions taken.</param>
/// <param name="Tensors">One record per quantized tensor (rows of quant_param.csv).</param>
/// <param name="FoldedBatchNorms">BatchNormalization nodes folded.</param>
/// <param name="FusedActivations">Relu/Clip nodes fused into their producers' quantized output.</param>
public sealed record StaticQuantizationResult(OnnxModel Model, OnnxModel PreparedFloatModel, QuantizationPlan Plan,
    IReadOnlyList<QuantizedTensorRecord> Tensors, int FoldedBatchNorms, int FusedActivations);

/// <summary>
/// Static quantization: canonicalize → plan → calibrate → ranges → rewrite to QDQ. Calibration is supplied by the
/// caller as a function from the prepared float model and the tensors to calibrate to their ranges, so any data source
/// and estimator (or a saved stats file) can serve it.
/// </summary>
public static class StaticQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="model"/>: prepares it (<see cref="ModelPreparation"/>), plans, calibrates from
    /// <paramref name="calibration"/> and rewrites to QDQ. Throws <see cref="PtqException"/> subtypes for invalid
    /// settings, models that cannot be upgraded, statistics that do not cover the plan, or NaN/Inf activations.
    /// </summary>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings, CalibrationInput calibration)
    {
        settings.Validate();
        var prepared = ModelPreparation.Prepare(model, settings.FoldBatchNorm);
        var estimator = RangeEstimators.Create(calibration.Settings.Method, calibration.Settings.Estimator);
        var target = new QuantTarget(settings.Activations.EffectiveBits, settings.Activations.IsSigned, settings.Activations.Mode == QuantMode.Symmetric);
        switch (calibration)
        {
            case CalibrationInput.FromStats fromStats:
                return QuantizePrepared(prepared, settings, fromStats.Stats.Tensors.ContainsKey,
                    (_, tensors) => StatisticsCollector.Ranges(fromStats.Stats, tensors, estimator, target));
            case CalibrationInput.FromSamples fromSamples:
                var first = fromSamples.Samples.FirstOrDefault()
                    ?? throw new PtqException("no calibration samples were given: the data source is empty");
                var types = TensorTypeProbe.Probe(prepared.Model, first, calibration.Settings.Runner);
                bool IsFloat(string t) => types.TryGetValue(t, out var p) && p.DataType == (int)TensorProto.Types.DataType.Float;
                return QuantizePrepared(prepared, settings, IsFloat, (m, tensors) =>
                {
                    var stats = StatisticsCollector.Collect(m, tensors, fromSamples.Samples, calibration.Settings.StatisticsOptions(),
                        fromSamples.Count, calibration.Settings.Runner, fromSamples.Progress, fromSamples.CancellationToken);
                    return StatisticsCollector.Ranges(stats, tensors, estimator, target);
                });
            default:
                throw new ArgumentException($"unknown calibration input {calibration.GetType().Name}", nameof(calibration));
        }
    }

    /// <summary>
    /// Quantizes <paramref name="model"/> with ranges from <paramref name="calibrate"/>, which receives the prepared float
    /// model and the activation names that need ranges. For tests and custom calibration.
    /// </summary>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings,
        Func<OnnxModel, IReadOnlyList<string>, IReadOnlyDictionary<string, (float Min, float Max)>> calibrate)
    {
        settings.Validate();
        return QuantizePrepared(ModelPreparation.Prepare(model, settings.FoldBatchNorm), settings, null, calibrate);
    }

    private static StaticQuantizationResult QuantizePrepared(PreparedModel preparedModel, StaticQuantizationSettings settings,
        Func<string, bool>? isFloat, Func<OnnxModel, IReadOnlyList<string>, IReadOnlyDictionary<string, (float Min, float Max)>> calibrate)
    {
        var prepared = preparedModel.Model;
        long opset = prepared.DefaultOpset;
        long outputOpset = Math.Max(opset, NeedsOpset21(settings) ? 21 : opset);
        if (outputOpset > opset && opset < 21)
        {
            prepared = Passes.OpsetUpgrader.Upgrade(prepared, 21);
            opset = 21;
        }

        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var skip = SkipPredicate(settings, graph);
        var fused = settings.FuseActivations && settings.Activations.Mode != QuantMode.Symmetric
            ? ActivationFusion.Apply(graph, n => skip(n) is not null, prepared.External)
            : new Dictionary<string, (float, float)>();
        var plan = QuantizationPlanner.Plan(graph, settings.PerChannelWeights, skip, isFloat);

        var ranges = calibrate(prepared, plan.CalibratedTensors);
        var parameters = new Dictionary<string, QuantParams>(StringComparer.Ordinal);
        foreach (string tensor in plan.CalibratedTensors)
        {
            if (!ranges.TryGetValue(tensor, out var range))
                throw new PtqException($"calibration gave no range for activation '{tensor}'");
            if (fused.TryGetValue(tensor, out var bounds))
                range = (Math.Max(range.Min, bounds.Min), Math.Min(range.Max, bounds.Max));
            parameters[tensor] = QuantParams.FromRange(range.Min, range.Max, settings.Activations);
        }
        var records = QdqRewriter.Apply(graph, plan, parameters,
            new QdqRewriteSettings(settings.Weights, settings.Activations, outputOpset), prepared.External);
        var quantized = WithGraph(prepared, graph, outputOpset);
        return new StaticQuantizationResult(quantized, prepared, plan, records, preparedModel.FoldedBatchNorms, fused.Count);
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
