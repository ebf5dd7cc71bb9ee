using Ptq.Evaluation;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Reports;

/// <summary>
/// Compares a quantized QDQ model with its fp32 original tensor by tensor (the <c>ptq debug</c> report): MindSpore's
/// per-tensor debug statistics, per-layer SQNR and cosine both local (the tensor's own quantization on float values) and
/// accumulated (as the quantized model computes it), a diagnosis of the worst layers, and the final outputs' agreement.
/// </summary>
public static class Debugger
{
    /// <summary>
    /// Relates every DequantizeLinear of <paramref name="quantized"/> to a tensor of <paramref name="fp32"/>
    /// (<see cref="QdqGraphMap"/>, <see cref="TensorDebugRecord"/>), then runs both models on the first
    /// <see cref="DebugOptions.Samples"/> samples with the float activations and their dequantized twins exposed as extra
    /// outputs, streaming each tensor into bounded accumulators (nothing is kept across samples but the sums and a
    /// reservoir sample per tensor). Weights and biases are compared once, from the initializers: dequantized values are
    /// <c>(code − zero_point) · scale</c> per channel.
    /// <para>The fp32 model is canonicalized as <c>ptq quantize</c> does (opset upgrade, Constant → initializer) and its
    /// BatchNormalization nodes are folded as the quantizer folded them (<see cref="PrepareAsQuantized"/>), so weights are
    /// compared with what was quantized. Exposing the dequantized values keeps ORT from fusing those Q/DQ pairs into integer kernels, so
    /// activations are compared in float arithmetic on the dequantized values.</para>
    /// </summary>
    /// <exception cref="PtqException">When the models cannot be run, no sample is given, or nothing could be related.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    internal static DebugReport Run(OnnxModel fp32, OnnxModel quantized, IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples,
        DebugOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fp32);
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(samples);
        options ??= DebugOptions.Default;
        var notes = new List<string>();
        // Integer operators hide the rounding inside their kernels: the per-tensor comparison needs the Q/DQ form.
        if (quantized.Proto.Graph.Node.FirstOrDefault(n => n.OpType.StartsWith("QLinear", StringComparison.Ordinal) || n.OpType is "QGemm" or "MatMulIntegerToFloat") is { } integer)
            throw new PtqException((FormattableString)$"'{quantized.DisplayName}' holds ONNX Runtime integer operators ({integer.OpType} '{integer.Name}', the QOperator format): debug the QDQ model instead (quantize with {SettingName.Format} qdq, the default)");
        var links = QdqGraphMap.Analyse(quantized);
        if (links.Count == 0)
            throw new PtqException($"'{quantized.DisplayName}' has no DequantizeLinear with constant parameters: it is not a QDQ model Ptq can debug.");
        var quantGraph = OnnxGraph.FromModel(quantized, promoteConstants: true);
        options.Log?.Invoke($"debug: {links.Count} DequantizeLinear nodes in '{quantized.DisplayName}'");
        var (prepared, floatGraph, finder, constants) = CompareWeights(fp32, quantized, quantGraph, links, equalize: false, notes);
        if (MedianWeightSqnr(constants) < EqualizationCheckDb)
        {
            // Weights far from their fp32 values: the quantizer may have equalized channel scales (--cle) first.
            var equalizedNotes = new List<string>();
            var equalized = CompareWeights(fp32, quantized, quantGraph, links, equalize: true, equalizedNotes);
            if (MedianWeightSqnr(equalized.Constants) > MedianWeightSqnr(constants) + 3)
            {
                (prepared, floatGraph, finder, constants) = equalized;
                notes.Clear();
                notes.AddRange(equalizedNotes);
                notes.Add("The quantized model's weights match the fp32 model's after cross-layer equalization (it was made with --cle): " +
                    "tensors are compared with the equalized fp32 model, whose activations between equalized layers are scaled per channel.");
            }
        }

        int unnamed = fp32.Proto.Graph.Node.Count(n => n.Name.Length == 0);
        if (unnamed > 0)
            notes.Add($"{unnamed} of the fp32 model's {fp32.Proto.Graph.Node.Count} nodes have no name; the report calls them by their first output and op type " +
                "(e.g. 'conv1_Relu'), the names --skip and recipe overrides take.");
        var activations = ActivationTracks(links, finder, options, notes);
        var (count, outputName, comparison) = RunSamples(prepared, quantized, activations, samples, options, cancellationToken);
        if (count == 0) throw new PtqException("the data source yielded no samples to debug with.");

        var records = new List<(int Order, TensorDebugRecord Record, QdqLink Link)>();
        records.AddRange(activations.Select(a => (a.Order, a.ToRecord(options.HistogramBins), a.Link)));
        records.AddRange(constants);
        records.Sort((a, b) => a.Order.CompareTo(b.Order));
        var tensors = records.Select(r => r.Record).ToList();
        var layers = Rank(tensors);
        var sources = new RangeSources(links, floatGraph, quantGraph);
        var diagnoses = layers.Take(options.Diagnosed)
            .Select(l => records.First(r => r.Record.TensorName == l.TensorName && r.Record.Role == l.Role))
            .Select(r => LayerDiagnostics.Diagnose(r.Record, new DiagnosisContext(count, r.Link.QMax - r.Link.QMin + 1,
                r.Link.FloatTensor is { } t ? sources.SharedConcat(t) : null, r.Link.FloatTensor is { } u ? sources.PassedOnFrom(u) : null)))
            .ToList();
        var origins = PreparedNodeOrigins.Describe(fp32, floatGraph, tensors.Select(t => t.NodeName));
        return new DebugReport(count, tensors, layers, outputName, comparison,
            SerializedBytes(fp32), SerializedBytes(quantized), notes, diagnoses, origins);
    }

    /// <summary>
    /// Activations and weights ranked by local SQNR ascending (where error starts, worst first), NaN last, ties by
    /// accumulated SQNR, then tensor name (ordinal). Biases are left out: bias correction changes them on purpose, so their
    /// difference from fp32 is not quantization damage (they stay in <see cref="DebugReport.Tensors"/> and debug_stats.csv).
    /// </summary>
    internal static IReadOnlyList<LayerError> Rank(IEnumerable<TensorDebugRecord> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return [.. tensors.Where(t => t.Role != TensorRole.Bias)
            .OrderBy(t => double.IsNaN(t.LocalSqnrDb) ? 1 : 0).ThenBy(t => t.LocalSqnrDb).ThenBy(t => t.SqnrDb).ThenBy(t => t.TensorName, StringComparer.Ordinal)
            .Select((t, i) => new LayerError(i + 1, t.NodeName, t.NodeType, t.TensorName, t.Role, t.LocalSqnrDb, t.SqnrDb, t.Cosine, t.Clip))];
    }

    private static List<ActivationTrack> ActivationTracks(IReadOnlyList<QdqLink> links, FloatCounterpart finder, DebugOptions options, List<string> notes)
    {
        var tracks = new List<ActivationTrack>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < links.Count; i++)
        {
            var link = links[i];
            if (link.Kind != QdqLinkKind.Activation || !seen.Add(link.FloatTensor!)) continue;
            if (finder.Owner(link.FloatTensor!) is not { } owner)
            {
                notes.Add($"Activation '{link.FloatTensor}' is not a value of the fp32 model; left out.");
                continue;
            }
            tracks.Add(new ActivationTrack(i, link, owner.Node.DisplayName, owner.Node.OpType, owner.IsInput, options.ReservoirCapacity));
        }
        return tracks;
    }

    /// <summary>
    /// The weights and biases of <paramref name="quantized"/> compared with <paramref name="fp32"/>'s, from the initializers
    /// alone (no samples: what a data-free weight-only run can report, as MindSpore's single weight report).
    /// </summary>
    /// <exception cref="PtqException">When <paramref name="quantized"/> has no DequantizeLinear with constant parameters.</exception>
    internal static IReadOnlyList<TensorDebugRecord> CompareWeightsOnly(OnnxModel fp32, OnnxModel quantized)
    {
        ArgumentNullException.ThrowIfNull(fp32);
        ArgumentNullException.ThrowIfNull(quantized);
        var links = QdqGraphMap.Analyse(quantized);
        if (links.Count == 0)
            throw new PtqException($"'{quantized.DisplayName}' has no DequantizeLinear with constant parameters: it is not a QDQ model Ptq can debug.");
        var quantGraph = OnnxGraph.FromModel(quantized, promoteConstants: true);
        var (_, _, _, constants) = CompareWeights(fp32, quantized, quantGraph, links, equalize: false, []);
        return [.. constants.OrderBy(c => c.Item1).Select(c => c.Item2)];
    }

    /// <summary>Below this median weight SQNR the debugger also tries the equalized fp32 model (int8 weights give about 40 dB).</summary>
    private const double EqualizationCheckDb = 20;

    private static (OnnxModel Prepared, OnnxGraph FloatGraph, FloatCounterpart Finder, List<(int, TensorDebugRecord, QdqLink)> Constants) CompareWeights(
        OnnxModel fp32, OnnxModel quantized, OnnxGraph quantGraph, IReadOnlyList<QdqLink> links, bool equalize, List<string> notes)
    {
        var prepared = PrepareAsQuantized(fp32, quantized, equalize);
        var floatGraph = OnnxGraph.FromModel(prepared, promoteConstants: true);
        var finder = new FloatCounterpart(floatGraph, quantGraph);
        return (prepared, floatGraph, finder, WeightRecords(links, finder, floatGraph, quantGraph, prepared, quantized, notes));
    }

    private static double MedianWeightSqnr(List<(int, TensorDebugRecord Record, QdqLink)> constants)
    {
        double[] sqnr = [.. constants.Where(c => c.Record.Role == TensorRole.Weight).Select(c => c.Record.SqnrDb).Where(v => !double.IsNaN(v)).Order()];
        return sqnr.Length == 0 ? double.PositiveInfinity : sqnr[sqnr.Length / 2];
    }

    private static List<(int, TensorDebugRecord, QdqLink)> WeightRecords(IReadOnlyList<QdqLink> links, FloatCounterpart finder, OnnxGraph floatGraph, OnnxGraph quantGraph,
        OnnxModel prepared, OnnxModel quantized, List<string> notes)
    {
        var records = new List<(int, TensorDebugRecord, QdqLink)>();
        for (int i = 0; i < links.Count; i++)
        {
            var link = links[i];
            if (link.Kind == QdqLinkKind.Activation) continue;
            if (finder.Weight(link, out string? reason) is not { } match)
            {
                notes.Add($"Constant '{link.QuantizedInitializer}' left out: {reason}.");
                continue;
            }
            float[] original = TensorData.ToFloats(floatGraph.Initializer(match.Initializer)!, prepared.External);
            float[] codes = TensorData.ToFloats(quantGraph.Initializer(link.QuantizedInitializer!)!, quantized.External);
            if (original.Length != codes.Length)
            {
                notes.Add($"Constant '{link.QuantizedInitializer}' left out: {codes.Length} codes but the fp32 '{match.Initializer}' has {original.Length} values.");
                continue;
            }
            records.Add((i, WeightComparison.Compare(link, match.Node, match.Initializer, original, codes), link));
        }
        return records;
    }

    private static (int Count, string Output, ComparisonSummary Summary) RunSamples(OnnxModel prepared, OnnxModel quantized, List<ActivationTrack> tracks,
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples, DebugOptions options, CancellationToken cancellationToken)
    {
        var runnerOptions = new RunnerOptions { IntraOpThreads = options.IntraOpThreads };
        using var floatRunner = OrtRunner.WithOutputs(prepared, tracks.Select(t => t.Link.FloatTensor!), runnerOptions);
        using var quantRunner = OrtRunner.WithOutputs(quantized, tracks.Select(t => t.Link.DequantizedTensor), runnerOptions);
        string output = floatRunner.OutputNames[0];
        string quantOutput = quantRunner.OutputNames.Contains(output) ? output : quantRunner.OutputNames[0];
        string[] floatWanted = [.. new[] { output }.Concat(tracks.Select(t => t.Link.FloatTensor!)).Distinct(StringComparer.Ordinal)];
        string[] quantWanted = [.. new[] { quantOutput }.Concat(tracks.Select(t => t.Link.DequantizedTensor)).Distinct(StringComparer.Ordinal)];
        var comparison = new OutputComparison();
        int count = 0;
        foreach (var sample in samples.Take(options.Samples))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var f = floatRunner.Run(sample, floatWanted);
            var q = quantRunner.Run(sample, quantWanted);
            comparison.Add(OutputScores.Floats(f[output]), OutputScores.Floats(q[quantOutput]), OutputScores.RowLength(f[output].Shape));
            foreach (var track in tracks)
                track.Add(f[track.Link.FloatTensor!], q[track.Link.DequantizedTensor]);
            count++;
            options.Log?.Invoke($"debug: sample {count} done");
        }
        return (count, output, comparison.ToSummary());
    }

    /// <summary>
    /// <paramref name="fp32"/> prepared as <c>ptq quantize</c> prepared it for <paramref name="quantized"/>: with BatchNorm
    /// folding unless the quantized model kept more BatchNormalization nodes than folding leaves (made with
    /// <c>--fold-bn false</c>). Counting what folding leaves rather than asking for none keeps the fold when some BNs
    /// cannot be folded (a BN after a ConvTranspose), which would otherwise compare folded weights with unfolded ones.
    /// First Convs get their input channels padded when the quantized model has the padding Pad
    /// (<see cref="InputChannelPadding"/>, static quantization). With <paramref name="equalize"/>, cross-layer equalization
    /// runs too, as <c>--cle</c> does (<see cref="Run"/> chooses it when only the equalized weights match).
    /// </summary>
    public static OnnxModel PrepareAsQuantized(OnnxModel fp32, OnnxModel quantized, bool equalize = false)
    {
        ArgumentNullException.ThrowIfNull(fp32);
        ArgumentNullException.ThrowIfNull(quantized);
        bool padded = quantized.Proto.Graph.Node.Any(n => n.OpType == "Pad" && n.Name.EndsWith(InputChannelPadding.NodeSuffix, StringComparison.Ordinal));
        var folded = ModelPreparation.Prepare(fp32, foldBatchNorm: true, equalize, padInputChannels: padded);
        bool quantizerFolded = folded.FoldedBatchNorms == 0
            || CountOp(quantized, "BatchNormalization") <= CountOp(folded.Model, "BatchNormalization");
        return quantizerFolded ? folded.Model : ModelPreparation.Prepare(fp32, foldBatchNorm: false, equalize, padInputChannels: padded).Model;
    }

    // Serialized size rather than the file size: a quantized model fresh from the quantizer still points at the fp32 file.
    private static long SerializedBytes(OnnxModel model)
    {
        long tensors = ModelIO.EstimateInlineBytes(model.Proto);
        return tensors < ModelIO.ProtobufLimitBytes - (64L << 20) ? ModelIO.ToBytes(model).LongLength : tensors;
    }

    private static int CountOp(OnnxModel model, string opType) => model.Proto.Graph.Node.Count(n => n.OpType == opType);
}
