using Ptq.Quantization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Pipeline;

/// <summary>
/// Empirical bias correction (AIMET's name): removes the systematic output shift that rounding causes, activations
/// included. For each Conv, ConvTranspose or Gemm of a QDQ model whose bias is an int32 initializer behind a
/// DequantizeLinear, the per-output-channel mean of its float output (the tensor its QuantizeLinear reads) is measured on
/// samples in the quantized and in the float model (which names the same tensor), and
/// the difference, divided by the bias scale and rounded, is taken off the bias codes. Through a fused Relu/Clip the
/// clamped means are compared, and the step is divided by the fraction of values inside the bounds (one Newton step).
/// Layers are corrected in node order, each measured on the model with every layer before it already corrected: only
/// layers that do not read each other share a step. Correcting several dependent layers from one measurement
/// overshoots badly, because the later ones also compensate the earlier ones' shift (PP-OCRv4 det: 42 layers in 8
/// steps gave output cosine 0.13, one step 0.91, one layer per step 0.969; uncorrected 0.962).
/// Costs one float pass and one quantized pass per step over the samples (PP-OCRv4 det, 42 layers, 32 pages of
/// 320×320: 14–28 s on 2 cores); the quantized passes expose the measured outputs, which keeps ONNX Runtime from fusing
/// those layers (same arithmetic up to float rounding).
/// </summary>
internal static class EmpiricalBiasCorrection
{
    /// <summary>Samples measured by default: the first 32 calibration samples.</summary>
    public const int DefaultSamples = 32;

    // Output: the quantized layer's float output (before a fused Relu/Clip, whose Bounds are then given); the float model
    // has a tensor of the same name. Codes: the int32 bias initializer of the working copy, edited in place.
    // FloatBias: the float model's bias (null when it has none), for the records' total shift.
    private sealed record Layer(Node Node, string Output, FloatRange? Bounds, Onnx.Proto.TensorProto Codes,
        float[] Scales, double Beta, float[]? FloatBias);

    /// <summary>
    /// Returns a copy of <paramref name="quantized"/> with corrected bias codes (the input is not modified) and one record
    /// per corrected layer (shifts in float units). <paramref name="floatModel"/> is the float model the quantized one was
    /// rewritten from (<see cref="Pipeline.StaticQuantizationResult.PreparedFloatModel"/>): tensor names must match.
    /// Throws <see cref="PtqException"/> when <paramref name="samples"/> is empty.
    /// </summary>
    public static (OnnxModel Model, IReadOnlyList<BiasCorrectionRecord> Records) Apply(OnnxModel quantized, OnnxModel floatModel,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, RunnerOptions? runner = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
            throw new PtqException("empirical bias correction needs samples to measure the layer outputs");

        var proto = quantized.Proto.Clone();
        var model = quantized.Derive(proto);
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var layers = Layers(graph, model, floatModel);
        if (layers.Count == 0)
            return (model, []);

        var floatMeans = FloatMeans(floatModel, layers, samples, runner, cancellationToken);
        var records = new List<BiasCorrectionRecord>();
        foreach (var group in Steps(graph, layers))
        {
            var quantizedMeans = Measure(model, group.Select(l => (l.Output, l.Bounds)).ToList(), samples, runner, cancellationToken);
            foreach (var layer in group)
            {
                var actual = quantizedMeans[layer.Output];
                var expected = floatMeans[layer.Output];
                var codes = ReadCodes(layer.Codes, model.External);
                if (actual.Means.Length != expected.Means.Length || codes.Length != actual.Means.Length
                    || (layer.Scales.Length != 1 && layer.Scales.Length != codes.Length))
                    continue;
                double sum = 0, max = 0;
                for (int o = 0; o < codes.Length; o++)
                {
                    // Through a fused Relu/Clip the mean moves with the bias only where the value is inside the bounds:
                    // one Newton step on mean(clamp(y + b)), skipped for channels that are almost never inside.
                    double inside = actual.Inside[o];
                    double shift = (actual.Means[o] - expected.Means[o]) / (layer.Bounds is null ? 1 : inside);
                    float scale = layer.Scales[layer.Scales.Length == 1 ? 0 : o];
                    if (scale > 0 && double.IsFinite(shift) && (layer.Bounds is null || inside >= MinInsideFraction))
                        codes[o] = (int)Math.Clamp(codes[o] - (long)Math.Round(shift / layer.Beta / scale, MidpointRounding.ToEven), int.MinValue, int.MaxValue);
                    // Recorded: how far the bias now is from the float model's (the analytic correction included).
                    double total = (layer.FloatBias?[o] ?? 0) - (double)codes[o] * scale;
                    sum += Math.Abs(total);
                    max = Math.Max(max, Math.Abs(total));
                }
                WriteCodes(layer.Codes, codes);
                records.Add(new BiasCorrectionRecord(layer.Node.DisplayName, layer.Codes.Name, sum / codes.Length, max));
            }
        }
        return (model, records);
    }

    private const double MinInsideFraction = 0.05;

    /// <summary>For diagnostics: per correctable layer (node order), the output channel mean differences quantized − float.</summary>
    internal static IReadOnlyList<(string Node, string Output, double[] Shift, float[] Scales)> Shifts(OnnxModel quantized, OnnxModel floatModel,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        var layers = Layers(OnnxGraph.FromModel(quantized, promoteConstants: false), quantized, floatModel);
        var q = Measure(quantized, layers.Select(l => (l.Output, l.Bounds)).ToList(), samples, null, default);
        var f = FloatMeans(floatModel, layers, samples, null, default);
        return [.. layers.Select(l => (l.Node.DisplayName, l.Output, q[l.Output].Means.Zip(f[l.Output].Means, (a, b) => a - b).ToArray(), l.Scales))];
    }

    /// <summary>The float model's unclamped channel means of every layer output (it applies the fused activations itself).</summary>
    private static Dictionary<string, ClampedChannelMeans> FloatMeans(OnnxModel floatModel, List<Layer> layers,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, RunnerOptions? runner, CancellationToken cancellationToken) =>
        Measure(floatModel, layers.DistinctBy(l => l.Output).Select(l => (l.Output, (FloatRange?)null)).ToList(), samples, runner, cancellationToken);

    /// <summary>
    /// Splits <paramref name="layers"/> (node order) into steps: a layer opens a new step when it reads, directly or
    /// through other nodes, the output of a layer in the current step, so each layer is measured with every layer before
    /// it already corrected.
    /// </summary>
    private static List<List<Layer>> Steps(OnnxGraph graph, List<Layer> layers)
    {
        var layerOf = layers.Select((l, i) => (l.Node, i)).ToDictionary(x => x.Node, x => x.i);
        var upstream = new Dictionary<Node, HashSet<int>>();
        foreach (var node in graph.Nodes)
        {
            var set = new HashSet<int>();
            foreach (string input in node.Inputs)
                if (input.Length > 0 && graph.Producer(input) is { } producer && upstream.TryGetValue(producer, out var before))
                {
                    set.UnionWith(before);
                    if (layerOf.TryGetValue(producer, out int index))
                        set.Add(index);
                }
            upstream[node] = set;
        }
        var steps = new List<List<Layer>>();
        var current = new HashSet<int>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (steps.Count == 0 || upstream[layers[i].Node].Overlaps(current))
            {
                steps.Add([]);
                current.Clear();
            }
            steps[^1].Add(layers[i]);
            current.Add(i);
        }
        return steps;
    }

    /// <summary>The correctable layers of <paramref name="model"/> (whose graph is <paramref name="graph"/>) in node (topological) order.</summary>
    private static List<Layer> Layers(OnnxGraph graph, OnnxModel model, OnnxModel floatModel)
    {
        var floatGraph = OnnxGraph.FromModel(floatModel, promoteConstants: false);
        var initializers = model.Proto.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var layers = new List<Layer>();
        foreach (var node in graph.Nodes)
        {
            if (!node.IsStandard || node.OpType is not ("Conv" or "ConvTranspose" or "Gemm") || node.Inputs.Count < 3 || node.Inputs[2].Length == 0)
                continue;
            if (graph.Producer(node.Inputs[2]) is not { OpType: "DequantizeLinear" } dq || graph.Consumers(node.Inputs[2]).Count != 1
                || !initializers.TryGetValue(dq.Inputs[0], out var codes) || codes.DataType != (int)DT.Int32 || graph.Consumers(dq.Inputs[0]).Count != 1
                || !initializers.TryGetValue(dq.Inputs[1], out var scale) || scale.DataType != (int)DT.Float)
                continue;
            double beta = node.OpType == "Gemm" ? node.GetFloat("beta", 1f) : 1;
            if (beta == 0)
                continue;
            string output = node.Outputs[0];
            Node? floatNode;
            FloatRange? bounds = null;
            switch (floatGraph.Producer(output))
            {
                case { } p when p.OpType == node.OpType:
                    floatNode = p;
                    break;
                // A Relu/Clip fused into the quantized layer: the float model applies it, the quantized one clamps in QuantizeLinear.
                // Compared after it (the pre-activation means differ most where the activation cuts the values off:
                // matching them made SqueezeNet worse, 95.75 % agreement against 96.75 %).
                case { OpType: "Relu" or "Clip" } p when floatGraph.Producer(p.Inputs[0]) is { } producer && producer.OpType == node.OpType:
                    if (Passes.ActivationFusion.ActivationBounds(floatGraph, p, floatModel.External) is not { } b)
                        continue;
                    floatNode = producer;
                    bounds = b;
                    break;
                default:
                    continue;
            }
            var floatBias = floatNode.Inputs.Count > 2 && floatGraph.Initializer(floatNode.Inputs[2]) is { } fb ? TensorData.ToFloats(fb, floatModel.External) : null;
            layers.Add(new Layer(node, output, bounds, codes, TensorData.ToFloats(scale, model.External), beta,
                floatBias?.Length == TensorData.ElementCount(codes) ? floatBias : null));
        }
        return layers;
    }

    /// <summary>
    /// Per-channel (axis 1) means of <paramref name="tensors"/> over <paramref name="samples"/>, each clamped to its bounds
    /// when given, with the fraction of values strictly inside them (1 without bounds).
    /// </summary>
    private static Dictionary<string, ClampedChannelMeans> Measure(OnnxModel model, List<(string Tensor, FloatRange? Bounds)> tensors,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, RunnerOptions? runner, CancellationToken cancellationToken)
    {
        var names = tensors.Select(t => t.Tensor).ToList();
        var accumulators = tensors.ToDictionary(t => t.Tensor, t => new ClampedChannelMeans(t.Tensor, t.Bounds), StringComparer.Ordinal);
        using var session = OrtRunner.WithOutputs(model, names, runner);
        foreach (var sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var outputs = session.RunBorrowed(sample, names);
            foreach (string tensor in names)
            {
                var view = outputs[tensor];
                if (view.DataType != (int)DT.Float)
                    throw new PtqException($"empirical bias correction: '{tensor}' is not a float tensor");
                accumulators[tensor].Observe(view.AsFloatSpan(), view.Shape);
            }
        }
        return accumulators;
    }

    private static int[] ReadCodes(Onnx.Proto.TensorProto tensor, ExternalDataReader? external) =>
        MemoryMarshal.Cast<byte, int>(TensorData.GetRawBytes(tensor, external)).ToArray();

    private static void WriteCodes(Onnx.Proto.TensorProto tensor, int[] codes)
    {
        tensor.Int32Data.Clear();
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(codes.AsSpan()));
    }
}
