using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Runtime;
using Ptq.Statistics;

namespace Ptq.Pipeline;

/// <summary>What <see cref="PerChannelActivations.Apply"/> converted.</summary>
/// <param name="Result">The quantization with per-channel activation pairs.</param>
/// <param name="Converted">Activations now quantized with one scale per channel (axis 1).</param>
/// <param name="Kept">Activations left per tensor, with the reason.</param>
internal sealed record PerChannelActivationResult(StaticQuantizationResult Result, IReadOnlyList<string> Converted, IReadOnlyList<(string Tensor, string Reason)> Kept);

/// <summary>
/// Per-channel activation quantization (TNN's <c>-t 0</c>): every activation QuantizeLinear → DequantizeLinear pair of a
/// finished QDQ model gets one scale and zero point per channel along axis 1 (ONNX's per-axis QuantizeLinear, opset 13),
/// from per-channel minima and maxima collected on the samples, each clipped to the per-tensor range the estimator chose
/// (so KL or MSE clipping still applies). Channels with a narrow range gain resolution. ONNX Runtime has no integer
/// kernel for per-channel activation scales, and its QDQ fusion (graph optimization level extended and above) does not
/// check for them: it builds QLinearConv from such pairs and fails ("QLinearConv : result zero point must be a scalar",
/// measured with SqueezeNet). The model therefore runs in ONNX Runtime at optimization level basic, every operator in
/// float on dequantized values (simulated quantization, <see cref="OrtLevel"/>); runtimes with per-channel activation
/// kernels (TNN's) run it in int8.
/// Biases stored as int32 keep the scale they were written with: DequantizeLinear turns them back into the same float bias.
/// </summary>
internal static class PerChannelActivations
{
    /// <summary>The channel axis (NCHW, and the feature axis of [N, C] tensors).</summary>
    public const int Axis = 1;

    /// <summary>The ONNX Runtime settings a model with per-channel activations runs with (no QDQ fusion; see the class remarks).</summary>
    public static RunnerOptions OrtLevel { get; } = RunnerOptions.Default with { Optimization = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC };

    /// <summary>
    /// Converts the activation pairs of <paramref name="result"/>, with per-channel ranges of its prepared float model on
    /// <paramref name="samples"/>. Tensors with one channel, or whose QuantizeLinear output feeds anything but
    /// DequantizeLinear, stay per tensor.
    /// </summary>
    public static PerChannelActivationResult Apply(StaticQuantizationResult result, IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples,
        int? sampleCount = null, RunnerOptions? runner = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var graph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        var records = result.Tensors.Where(t => t.Kind == "Activation" && !t.Parameters.IsPerChannel)
            .GroupBy(t => t.TensorName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var kept = new List<(string, string)>();
        var pairs = new Dictionary<string, (Node Quantize, List<Node> Dequantize)>(StringComparer.Ordinal);
        foreach (var q in graph.Nodes.Where(n => n.OpType == "QuantizeLinear" && n.Inputs.Count >= 2 && records.ContainsKey(n.Inputs[0])))
        {
            var consumers = graph.Consumers(q.Outputs[0]);
            if (consumers.Count == 0 || consumers.Any(c => c.Node.OpType != "DequantizeLinear" || c.InputIndex != 0))
            {
                kept.Add((q.Inputs[0], "its quantized codes feed an operator other than DequantizeLinear"));
                continue;
            }
            if (!pairs.TryAdd(q.Inputs[0], (q, [.. consumers.Select(c => c.Node)])))
                kept.Add((q.Inputs[0], "it is quantized by more than one QuantizeLinear"));
        }
        if (pairs.Count == 0)
            return new PerChannelActivationResult(result, [], kept);

        var statistics = StatisticsCollector.Collect(result.PreparedFloatModel, [.. pairs.Keys],
            _ => new StatisticsOptions { Kinds = StatisticKinds.PerChannel, ChannelAxis = Axis }, samples, sampleCount, runner, cancellationToken: cancellationToken);
        var converted = new List<string>();
        var newRecords = new Dictionary<string, QuantizedTensorRecord>(StringComparer.Ordinal);
        foreach (var (tensor, (quantize, dequantizers)) in pairs)
        {
            if (statistics.Tensors.GetValueOrDefault(tensor)?.PerChannel is not { } channels || channels.Min.Count < 2)
            {
                kept.Add((tensor, "it has one channel (or none measured)"));
                continue;
            }
            var record = records[tensor];
            var scheme = record.Parameters.Scheme;
            // The per-tensor range the estimator chose bounds every channel's range.
            float low = record.Parameters.Dequantize(scheme.QMin), high = record.Parameters.Dequantize(scheme.QMax);
            var mins = new float[channels.Min.Count];
            var maxs = new float[channels.Min.Count];
            for (int c = 0; c < mins.Length; c++)
            {
                mins[c] = Math.Clamp((float)channels.Min[c], low, high);
                maxs[c] = Math.Clamp((float)channels.Max[c], low, high);
                if (mins[c] > maxs[c])
                    (mins[c], maxs[c]) = (maxs[c], mins[c]);
            }
            var parameters = QuantParams.FromChannelRanges(mins, maxs, scheme, Axis);
            var storage = graph.Initializer(quantize.Inputs.Count > 2 ? quantize.Inputs[2] : "") is { } zeroPoint
                ? (Onnx.Proto.TensorProto.Types.DataType)zeroPoint.DataType : scheme.ActivationStorageType;
            foreach (var node in dequantizers.Prepend(quantize))
            {
                string scale = graph.UniqueName(tensor + "_channel_scale");
                string zero = graph.UniqueName(tensor + "_channel_zero_point");
                graph.AddInitializer(QuantizedTensors.Scales(scale, parameters));
                graph.AddInitializer(QuantizedTensors.ZeroPoints(zero, parameters, storage));
                graph.SetInputs(node, [node.Inputs[0], scale, zero]);
                node.SetAttribute(Node.IntAttribute("axis", Axis));
            }
            converted.Add(tensor);
            newRecords[tensor] = record with { Parameters = parameters };
        }
        graph.RemoveUnusedInitializers(); // the per-tensor scales and zero points replaced above
        var proto = result.Model.Proto.Clone();
        proto.Graph = graph.ToProto();
        var tensors = result.Tensors.Select(t => t.Kind == "Activation" && newRecords.TryGetValue(t.TensorName, out var n) ? n with { NodeName = t.NodeName, NodeType = t.NodeType } : t).ToList();
        return new PerChannelActivationResult(result with { Model = result.Model.Derive(proto), Tensors = tensors }, converted, kept);
    }
}
