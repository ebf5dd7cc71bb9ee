using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tuning;

/// <summary>How much the output suffers when one activation (with the tensors sharing its parameters) is rounded.</summary>
/// <param name="Tensor">The tensor whose parameters are shared (<see cref="Quantization.QuantizationPlan.ParameterSource"/>).</param>
/// <param name="Loss">Mean over the samples of 1 − cosine(float output, output with only this activation rounded).</param>
internal sealed record ActivationLoss(string Tensor, double Loss);

/// <summary>
/// Ranks the quantized activations of a QDQ model by their effect on the output, one parameter set at a time, together
/// with the weights of the node that writes them (what keeping the activation float also keeps float): every other
/// activation and weight stays float (only the clamping of a Relu/Clip fused into its producer is kept). One ONNX
/// Runtime session serves all candidates: each Q/DQ pair becomes <c>x + m · (DQ(Q(x)) − x)</c> and each producer's
/// weight <c>w + m · (DQ(w_q) − w)</c>, with <c>m</c> read from a mask input, so a run with a one-hot mask quantizes one
/// candidate only. Costs one run per candidate and sample.
/// </summary>
internal static class ActivationSensitivity
{
    private const string MaskInput = "ptq_sensitivity_mask";

    /// <summary>
    /// Activations of <paramref name="result"/> that have a producer node (graph inputs cannot take per-node overrides),
    /// worst first (ties by name, ordinal). Throws <see cref="PtqException"/> when <paramref name="samples"/> is empty.
    /// </summary>
    public static IReadOnlyList<ActivationLoss> Rank(StaticQuantizationResult result, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (samples.Count == 0)
            throw new PtqException("activation sensitivity needs samples to measure the output against float");
        var (model, sources) = SwitchableModel(result);
        // Float outputs only, as in the output check: integer outputs (argmax labels) hold indices, not signal.
        var outputs = OutputCheck.FloatOutputs(result.PreparedFloatModel);
        using var reference = new OrtRunner(result.PreparedFloatModel);
        using var switchable = new OrtRunner(model);
        float[] Outputs(OrtRunner runner, IReadOnlyDictionary<string, TensorValue> feed)
        {
            var values = runner.Run(feed, outputs);
            return [.. outputs.SelectMany(o => values[o].ToFloats())];
        }
        var expected = samples.Select(s => Outputs(reference, s)).ToList();
        var loss = new double[sources.Count];
        var mask = new float[sources.Count];
        for (int i = 0; i < sources.Count; i++)
        {
            Array.Clear(mask);
            mask[i] = 1;
            for (int s = 0; s < samples.Count; s++)
            {
                var feed = new Dictionary<string, TensorValue>(samples[s], StringComparer.Ordinal) { [MaskInput] = TensorValue.FromFloats([mask.Length], mask) };
                loss[i] += (1 - Evaluation.CosineSimilarity.Compute(expected[s], Outputs(switchable, feed))) / samples.Count;
            }
        }
        return [.. sources.Select((t, i) => new ActivationLoss(t, loss[i])).OrderByDescending(l => l.Loss).ThenBy(l => l.Tensor, StringComparer.Ordinal)];
    }

    /// <summary>The QDQ model with every activation pair made switchable, and the parameter sources in mask order.</summary>
    private static (OnnxModel Model, List<string> Sources) SwitchableModel(StaticQuantizationResult result)
    {
        var graph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        var floatGraph = OnnxGraph.FromModel(result.PreparedFloatModel, promoteConstants: false);
        var sources = new List<string>();
        var maskIndex = new Dictionary<string, string>(StringComparer.Ordinal);
        var links = QdqGraphMap.Analyse(result.Model);
        var weightLinks = links.Where(l => l.Kind == QdqLinkKind.Weight).Select(l => l.DequantizedTensor).ToHashSet(StringComparer.Ordinal);
        foreach (var link in links.Where(l => l.Kind == QdqLinkKind.Activation && l.Channels == 1))
        {
            string x = link.FloatTensor!;
            string source = result.Plan.ParameterSource(x);
            if (graph.Producer(source) is null || graph.IsGraphOutput(link.DequantizedTensor))
                continue;
            if (!maskIndex.TryGetValue(source, out string? gate))
            {
                string index = graph.UniqueName($"{source}_mask_index");
                graph.AddInitializer(TensorData.FromInt64s(index, [], [sources.Count]));
                gate = graph.UniqueName($"{source}_mask");
                graph.AddNode("Gather", [MaskInput, index], [gate]);
                maskIndex[source] = gate;
                sources.Add(source);
                GateWeights(graph, floatGraph, graph.Producer(source)!, gate, weightLinks, result.PreparedFloatModel);
            }
            var consumers = graph.Consumers(link.DequantizedTensor).ToList();
            string clamped = FusedBounds(floatGraph, graph, x, result.PreparedFloatModel) is { } bounds ? Clamp(graph, x, bounds) : x;
            string rounding = Add(graph, "Sub", [link.DequantizedTensor, clamped], x);
            string gated = Add(graph, "Mul", [rounding, gate], x);
            string output = Add(graph, "Add", [clamped, gated], x);
            foreach (var (node, inputIndex) in consumers)
                graph.ReplaceInput(node, inputIndex, output);
        }
        graph.SortTopologically();
        graph.Inputs.Add(new Onnx.Proto.ValueInfoProto
        {
            Name = MaskInput,
            Type = new Onnx.Proto.TypeProto { TensorType = new Onnx.Proto.TypeProto.Types.Tensor { ElemType = (int)DT.Float, Shape = new Onnx.Proto.TensorShapeProto { Dim = { new Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = sources.Count } } } } },
        });
        var proto = result.Model.Proto.Clone();
        proto.Graph = graph.ToProto();
        return (result.Model.Derive(proto), sources);
    }

    /// <summary>
    /// Each dequantized weight <paramref name="producer"/> reads becomes <c>w + gate · (DQ(w_q) − w)</c>, with the float
    /// weight <c>w</c> the prepared float model gives the node of the same name at the same input.
    /// </summary>
    private static void GateWeights(OnnxGraph graph, OnnxGraph floatGraph, Node producer, string gate, HashSet<string> weightLinks, OnnxModel floatModel)
    {
        var floatNode = floatGraph.Nodes.FirstOrDefault(n => n.Name == producer.Name);
        for (int i = 0; i < producer.Inputs.Count; i++)
        {
            string dequantized = producer.Inputs[i];
            if (!weightLinks.Contains(dequantized) || floatNode is null || i >= floatNode.Inputs.Count
                || floatGraph.Initializer(floatNode.Inputs[i]) is not { DataType: (int)DT.Float } weight)
                continue;
            string w = graph.UniqueName($"{weight.Name}_float");
            graph.AddInitializer(TensorData.FromFloats(w, [.. weight.Dims], TensorData.ToFloats(weight, floatModel.External)));
            string rounding = Add(graph, "Sub", [dequantized, w], w);
            string gated = Add(graph, "Mul", [rounding, gate], w);
            graph.ReplaceInput(producer, i, Add(graph, "Add", [w, gated], w));
        }
    }

    // A Relu/Clip fused into its producer: the float model writes x with it, the quantized one without it.
    private static (float Min, float Max)? FusedBounds(OnnxGraph floatGraph, OnnxGraph graph, string x, OnnxModel floatModel) =>
        floatGraph.Producer(x) is { OpType: "Relu" or "Clip" } activation && graph.Producer(x)?.OpType != activation.OpType
            ? Passes.ActivationFusion.ActivationBounds(floatGraph, activation, floatModel.External)
            : null;

    private static string Clamp(OnnxGraph graph, string x, (float Min, float Max) bounds)
    {
        string lo = graph.UniqueName($"{x}_lo"), hi = graph.UniqueName($"{x}_hi");
        graph.AddInitializer(TensorData.FromFloats(lo, [], [bounds.Min]));
        graph.AddInitializer(TensorData.FromFloats(hi, [], [float.IsPositiveInfinity(bounds.Max) ? float.MaxValue : bounds.Max]));
        return Add(graph, "Clip", [x, lo, hi], x);
    }

    private static string Add(OnnxGraph graph, string opType, string[] inputs, string hint)
    {
        string output = graph.UniqueName($"{hint}_{opType.ToLowerInvariant()}");
        graph.AddNode(opType, inputs, [output]);
        return output;
    }
}
