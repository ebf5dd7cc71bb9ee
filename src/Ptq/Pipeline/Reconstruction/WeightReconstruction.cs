using System.Diagnostics;
using System.Globalization;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Runtime;

using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>What <see cref="WeightReconstruction.Apply"/> produced.</summary>
/// <param name="Model">The quantized model with reconstructed codes.</param>
/// <param name="Tensors">The quantized tensor records, with the parameters of weights (and their int32 biases) whose scales moved.</param>
/// <param name="Weights">What was chosen per layer (for reuse and reports).</param>
internal sealed record ReconstructionOutcome(OnnxModel Model, IReadOnlyList<QuantizedTensorRecord> Tensors, ReconstructedWeights Weights);

/// <summary>
/// Replaces the round-to-nearest weight codes of a quantized (QDQ) model by reconstructed ones (GPTQ or AdaRound) that
/// keep each layer's output close to the float model's on calibration samples. Layers are done stage by stage in graph
/// order; a stage's inputs come from the model with every earlier layer already reconstructed (and activations
/// quantized, in static quantization), so each layer also makes up for the error upstream of it (AdaRound's asymmetric
/// reconstruction). Scales and zero points are not changed, so the model's structure and quant_param.csv stay as they
/// are; refitted biases get new codes on their own scales. Layers outside the covered shapes keep their codes.
/// </summary>
internal static class WeightReconstruction
{
    /// <summary>
    /// Reconstructs the weights of <paramref name="quantized"/>, whose float counterpart (same node names) is
    /// <paramref name="reference"/>; <paramref name="records"/> give each weight's grid and are returned updated where
    /// scales moved. With <paramref name="reuse"/> the codes found before are written back and no data is read. Throws
    /// <see cref="PtqException"/> when neither samples nor earlier results are given.
    /// </summary>
    public static ReconstructionOutcome Apply(OnnxModel quantized, OnnxModel reference,
        IReadOnlyList<QuantizedTensorRecord> records, WeightMethod method, WeightReconstructionSettings settings,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>>? samples, ReconstructedWeights? reuse = null,
        IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var graph = OnnxGraph.FromModel(quantized, promoteConstants: false);
        var skipped = new List<string>();
        var layers = ReconstructionLayer.Find(graph, OnnxGraph.FromModel(reference, promoteConstants: false), records, reference.External, skipped);
        layers.RemoveAll(l => settings.RoundToNearest.Contains(l.Name));
        var updated = records.ToList();
        if (reuse is not null)
        {
            foreach (var layer in layers)
                if (reuse.Find(layer.Name, layer.FloatWeightName, layer.Parameters) is { } earlier)
                    Write(graph, null, layer, earlier.Codes, earlier.Parameters, earlier.Bias, updated);
            return new ReconstructionOutcome(WithGraph(quantized, graph), updated, reuse);
        }
        if (samples is null || samples.Count == 0)
            throw new SettingException(SettingName.WeightMethod, $"{SettingName.WeightMethod} {Name(method)} reconstructs weights from calibration samples; give {SettingName.Data}");

        var gather = OnnxGraph.FromModel(quantized, promoteConstants: false);
        ConstantDequantization.Fold(gather, quantized.External);
        var done = new List<ReconstructedLayer>();
        foreach (var stage in Stages(graph, layers))
        {
            var statistics = LayerInputCollector.Collect(WithGraph(quantized, gather), reference, stage, samples, cancellationToken,
                floatGram: settings.QuantizedInputShare < 1);
            foreach (var layer in stage)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var nearest = TensorData.ToFloats(graph.Initializer(layer.Codes)!, quantized.External).Select(c => (int)c).ToArray();
                var solved = LayerSolver.Solve(layer, statistics[layer], nearest, Rounding(method, settings, layer.Geometry.Columns),
                    settings.Asymmetric, settings.RefitBias, settings.SearchClip && !layer.ScalesFixed, settings.ActOrder, settings.Damping, settings.TargetBlend,
                    settings.TargetDamping, settings.QuantizedInputShare);
                Write(graph, gather, layer, solved.Codes, solved.Parameters, solved.Bias, updated);
                done.Add(new ReconstructedLayer(layer.Name, layer.FloatWeightName, layer.Parameters, solved.Parameters, solved.Codes, solved.Bias,
                    solved.Error, solved.NearestError));
                log?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"{Name(method)} {layer.Name}: {layer.Geometry.Groups * layer.Geometry.Rows}×{layer.Geometry.Columns}, output error {Ratio(solved)} of round-to-nearest ({clock.ElapsedMilliseconds} ms)"));
            }
        }
        foreach (string reason in skipped)
            log?.Report($"{Name(method)} left round-to-nearest: {reason}");
        return new ReconstructionOutcome(WithGraph(quantized, graph), updated, new ReconstructedWeights(done, skipped));
    }

    private static Func<float[], double[], GptqFactor, RowGrid, int[]> Rounding(WeightMethod method, WeightReconstructionSettings settings, int columns) => method switch
    {
        WeightMethod.Gptq => (target, _, factor, grid) => GptqKernel.Quantize(target, factor, grid),
        WeightMethod.AdaRound => (target, gram, _, grid) => AdaRoundKernel.Quantize(target, columns, gram, grid,
            new AdaRoundOptions(settings.Iterations, settings.LearningRate, settings.Regularization)),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a reconstruction method"),
    };

    /// <summary>Layers grouped so that no layer of a stage feeds another (directly or through other ops), in graph order.</summary>
    internal static List<List<ReconstructionLayer>> Stages(OnnxGraph graph, IReadOnlyList<ReconstructionLayer> layers) => Stages(graph, layers, l => l.Node);

    /// <summary>Layers (whose node <paramref name="nodeOf"/> gives) grouped so that no layer of a stage feeds another, in graph order.</summary>
    internal static List<List<T>> Stages<T>(OnnxGraph graph, IReadOnlyList<T> layers, Func<T, Node> nodeOf)
    {
        var isLayer = layers.Select(nodeOf).ToHashSet(ReferenceEqualityComparer.Instance);
        var before = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.TopologicalOrder())
        {
            int depth = 0;
            foreach (string input in node.Inputs.Concat(node.ImplicitInputs()))
                if (input.Length > 0 && graph.Producer(input) is { } producer)
                    depth = Math.Max(depth, before[producer] + (isLayer.Contains(producer) ? 1 : 0));
            before[node] = depth;
        }
        return [.. layers.GroupBy(l => before[nodeOf(l)]).OrderBy(g => g.Key).Select(g => g.ToList())];
    }

    /// <summary>
    /// Writes codes, their scales and the bias (refitted, or re-encoded when the weight scales moved) into the quantized
    /// graph, their values into the gathering graph, and the new parameters into <paramref name="records"/>.
    /// </summary>
    private static void Write(OnnxGraph graph, OnnxGraph? gather, ReconstructionLayer layer, int[] codes, QuantParams parameters, float[]? bias,
        List<QuantizedTensorRecord> records)
    {
        var old = graph.Initializer(layer.Codes)!;
        graph.ReplaceInitializer(QuantizedTensors.Create(layer.Codes, (TensorProto.Types.DataType)old.DataType, layer.WeightDims, codes));
        graph.ReplaceInitializer(QuantizedTensors.Scales(layer.Scale, parameters));
        Replace(records, layer.Name, "Weight", parameters);
        gather?.ReplaceInitializer(TensorData.FromFloats(layer.WeightValue, layer.WeightDims, new QuantizedWeight(codes, parameters).Dequantize(layer.WeightDims)));
        if (layer.Bias is not { } slot)
            return;
        long[] dims = [slot.Values.Length];
        if (slot.Codes is null)
        {
            if (bias is null)
                return;
            graph.ReplaceInitializer(TensorData.FromFloats(slot.Value, dims, bias));
            gather?.ReplaceInitializer(TensorData.FromFloats(slot.Value, dims, bias));
            return;
        }
        // An int32 bias has scale input scale × weight scale: it follows the weight scales wherever they moved.
        var oldCodes = TensorData.ToFloats(graph.Initializer(slot.Codes)!);
        var scales = new float[slot.Scales.Length];
        for (int c = 0; c < scales.Length; c++)
            scales[c] = slot.Scales[c] * (parameters.Scales[parameters.IsPerChannel ? c : 0] / layer.Parameters.Scales[layer.Parameters.IsPerChannel ? c : 0]);
        var biasCodes = new int[dims[0]];
        var values = new float[dims[0]];
        for (int c = 0; c < biasCodes.Length; c++)
        {
            int s = scales.Length == 1 ? 0 : c;
            double value = bias?[c] ?? oldCodes[c] * (double)slot.Scales[s];
            biasCodes[c] = (int)Math.Clamp(Math.Round(value / scales[s], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
            values[c] = biasCodes[c] * scales[s];
        }
        graph.ReplaceInitializer(QuantizedTensors.Create(slot.Codes, TensorProto.Types.DataType.Int32, dims, biasCodes));
        graph.ReplaceInitializer(TensorData.FromFloats(slot.ScaleName!, [.. graph.Initializer(slot.ScaleName!)!.Dims], scales));
        if (records.FindIndex(r => r.NodeName == layer.Name && r.Kind == "Bias") is int at and >= 0)
            records[at] = records[at] with { Parameters = new QuantParams(scales, records[at].Parameters.ZeroPoints, records[at].Parameters.Scheme, records[at].Parameters.Axis) };
        gather?.ReplaceInitializer(TensorData.FromFloats(slot.Value, dims, values));
    }

    private static void Replace(List<QuantizedTensorRecord> records, string node, string kind, QuantParams parameters)
    {
        int at = records.FindIndex(r => r.NodeName == node && r.Kind == kind);
        if (at >= 0)
            records[at] = records[at] with { Parameters = parameters };
    }

    private static OnnxModel WithGraph(OnnxModel source, OnnxGraph graph)
    {
        var proto = source.Proto.Clone();
        proto.Graph = graph.ToProto();
        return new OnnxModel(proto, source.External?.BaseDirectory, source.SourcePath);
    }

    private static string Ratio(SolvedLayer solved) =>
        solved.NearestError > 0 ? (solved.Error / solved.NearestError).ToString("P0", CultureInfo.InvariantCulture) : "n/a";

    private static string Name(WeightMethod method) => method == WeightMethod.AdaRound ? "adaround" : "gptq";
}
