using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tuning;

/// <summary>How much the output suffers when one activation (with the tensors sharing its parameters) is rounded.</summary>
/// <param name="Tensor">The tensor whose parameters are shared (<see cref="Quantization.QuantizationPlan.ParameterSource"/>).</param>
/// <param name="Loss">Mean over <paramref name="Samples"/> samples of 1 − cosine(float output, output with only this activation rounded).</param>
/// <param name="Samples">How many samples measured it (see <see cref="ActivationSensitivity.Rank"/>).</param>
internal sealed record ActivationLoss(string Tensor, double Loss, int Samples);

/// <summary>
/// Ranks the quantized activations of a QDQ model by their effect on the output, one parameter set at a time, together
/// with the weights of the node that writes them (what keeping the activation float also keeps float): every other
/// activation and weight stays float (only the clamping of a Relu/Clip fused into its producer is kept). One ONNX
/// Runtime session serves all candidates: each Q/DQ pair and each producer with rounded weights becomes an If on one
/// entry of a mask input, so a run with a one-hot mask rounds one candidate only and computes the rest as float does
/// (constant weights, no rounding work for the other candidates: PP-OCRv4 det runs at 1.6× its float cost, where
/// blending every candidate arithmetically cost 3×). The first sample measures every candidate and each further one the
/// worse half of those measured so far (successive halving): about two runs per candidate, where the order matters.
/// </summary>
internal static class ActivationSensitivity
{
    internal const string MaskInput = "ptq_sensitivity_mask";

    /// <summary>
    /// Activations of <paramref name="result"/> that have a producer node (graph inputs cannot take per-node overrides),
    /// worst first: those measured on more samples (kept among the worse half at each halving) before the others, then by
    /// mean loss, ties by name (ordinal). Throws <see cref="PtqException"/> when <paramref name="samples"/> is empty.
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
        var sum = new double[sources.Count];
        var measured = new int[sources.Count];
        var mask = new float[sources.Count];
        var active = Enumerable.Range(0, sources.Count).ToList();
        for (int s = 0; s < samples.Count; s++)
        {
            // Successive halving: each further sample measures only the worse half of the candidates still measured.
            if (s > 0)
                active = [.. active.OrderByDescending(i => sum[i] / s).ThenBy(i => sources[i], StringComparer.Ordinal).Take((active.Count + 1) / 2)];
            foreach (int i in active)
            {
                Array.Clear(mask);
                mask[i] = 1;
                var feed = new Dictionary<string, TensorValue>(samples[s], StringComparer.Ordinal) { [MaskInput] = TensorValue.FromFloats([mask.Length], mask) };
                sum[i] += 1 - Evaluation.CosineSimilarity.Compute(expected[s], Outputs(switchable, feed));
                measured[i]++;
            }
        }
        return [.. Enumerable.Range(0, sources.Count).OrderByDescending(i => measured[i]).ThenByDescending(i => sum[i] / measured[i])
            .ThenBy(i => sources[i], StringComparer.Ordinal).Select(i => new ActivationLoss(sources[i], sum[i] / measured[i], measured[i]))];
    }

    /// <summary>The QDQ model with every activation pair made switchable, and the parameter sources in mask order.</summary>
    internal static (OnnxModel Model, List<string> Sources) SwitchableModel(StaticQuantizationResult result)
    {
        var graph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        var floatGraph = OnnxGraph.FromModel(result.PreparedFloatModel, promoteConstants: false);
        var sources = new List<string>();
        var gates = new Dictionary<string, string>(StringComparer.Ordinal);
        var links = QdqGraphMap.Analyse(result.Model);
        // Biases too: bias correction shifted them to offset the weights' rounding, so float weights need the float bias.
        var weightLinks = links.Where(l => l.Kind is QdqLinkKind.Weight or QdqLinkKind.Bias).Select(l => l.DequantizedTensor).ToHashSet(StringComparer.Ordinal);
        // Constant weights (rounded values as float initializers) let ONNX Runtime pre-pack them, as it does for float.
        Pipeline.Reconstruction.ConstantDequantization.Fold(graph, result.Model.External);
        var rounding = new List<Node>();
        foreach (var link in links.Where(l => l.Kind == QdqLinkKind.Activation && l.Channels == 1))
        {
            string x = link.FloatTensor!;
            string source = result.Plan.ParameterSource(x);
            if (graph.Producer(source) is null || graph.IsGraphOutput(link.DequantizedTensor) || graph.Producer(link.DequantizedTensor) is not { } dequantize)
                continue;
            if (!gates.TryGetValue(source, out string? gate))
            {
                string index = graph.UniqueName($"{source}_mask_index");
                graph.AddInitializer(TensorData.FromInt64s(index, [], [sources.Count]));
                string weight = Add(graph, "Gather", [MaskInput, index], source);
                gate = graph.UniqueName($"{source}_gate");
                graph.AddNode("Cast", [weight], [gate], attributes: [Node.IntAttribute("to", (int)DT.Bool)]);
                gates[source] = gate;
                sources.Add(source);
            }
            var consumers = graph.Consumers(link.DequantizedTensor).ToList();
            string clamped = FusedBounds(floatGraph, graph, x, result.PreparedFloatModel) is { } bounds ? Clamp(graph, x, bounds) : x;
            var chain = Chain(graph, dequantize);
            rounding.AddRange(chain);
            string output = Switch(graph, gate, chain, link.DequantizedTensor, clamped, x);
            foreach (var (node, inputIndex) in consumers)
                graph.ReplaceInput(node, inputIndex, output);
        }
        RemoveUnused(graph, rounding);
        foreach (var (source, gate) in gates)
            GateWeights(graph, floatGraph, graph.Producer(source)!, gate, weightLinks, result.PreparedFloatModel);
        // Nodes with rounded weights that write no candidate (a MatMul whose output stays float) compute with float weights
        // in every run: left rounded, they would add the same error to every candidate's measurement.
        foreach (var node in graph.Nodes.Where(n => n.OpType != "If" && n.Inputs.Any(weightLinks.Contains)).ToList())
        {
            var floatNode = floatGraph.Nodes.FirstOrDefault(n => n.Name == node.Name);
            if (floatNode is null)
                continue;
            var swapped = FloatParameters(graph, floatGraph, node, floatNode, weightLinks, result.PreparedFloatModel);
            foreach (var (i, tensor) in swapped)
            {
                graph.AddInitializer(tensor);
                graph.ReplaceInput(node, i, tensor.Name);
            }
        }
        graph.RemoveUnusedInitializers(); // the rounded weights now live in the branches
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

    /// <summary>QuantizeLinear, any code clamp after it, and <paramref name="dequantize"/>, in order.</summary>
    private static List<Node> Chain(OnnxGraph graph, Node dequantize)
    {
        var chain = new List<Node> { dequantize };
        for (var node = graph.Producer(dequantize.Inputs[0]); node is not null; node = node.OpType == "QuantizeLinear" ? null : graph.Producer(node.Inputs[0]))
            chain.Insert(0, node);
        return chain;
    }

    /// <summary>
    /// An If on <paramref name="gate"/> whose then-branch computes <paramref name="rounded"/> with a copy of
    /// <paramref name="chain"/> and whose else-branch passes <paramref name="otherwise"/> on, so a run rounds only the
    /// activations its mask selects instead of computing every rounding and multiplying most of them by zero.
    /// </summary>
    private static string Switch(OnnxGraph graph, string gate, List<Node> chain, string rounded, string otherwise, string hint)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var then = new Onnx.Proto.GraphProto { Name = graph.UniqueName($"{hint}_rounded") };
        foreach (var node in chain)
        {
            var copy = node.ToProto();
            copy.Name = graph.UniqueName($"{node.Name}_switched");
            for (int i = 0; i < copy.Input.Count; i++)
                copy.Input[i] = renamed.GetValueOrDefault(copy.Input[i], copy.Input[i]);
            for (int i = 0; i < copy.Output.Count; i++)
                copy.Output[i] = renamed[copy.Output[i]] = graph.UniqueName($"{copy.Output[i]}_switched");
            then.Node.Add(copy);
        }
        then.Output.Add(FloatValue(renamed.TryGetValue(rounded, out string? inside) ? inside : Pass(graph, then, rounded, hint)));
        var otherwiseBranch = new Onnx.Proto.GraphProto { Name = graph.UniqueName($"{hint}_float") };
        otherwiseBranch.Output.Add(FloatValue(Pass(graph, otherwiseBranch, otherwise, hint)));
        string output = graph.UniqueName($"{hint}_switch");
        graph.AddNode("If", [gate], [output], attributes:
        [
            new Onnx.Proto.AttributeProto { Name = "then_branch", Type = Onnx.Proto.AttributeProto.Types.AttributeType.Graph, G = then },
            new Onnx.Proto.AttributeProto { Name = "else_branch", Type = Onnx.Proto.AttributeProto.Types.AttributeType.Graph, G = otherwiseBranch },
        ]);
        return output;
    }

    // A branch output must be written inside the branch: an Identity of the outer value.
    private static string Pass(OnnxGraph graph, Onnx.Proto.GraphProto branch, string outer, string hint)
    {
        string passed = graph.UniqueName($"{hint}_passed");
        branch.Node.Add(new Onnx.Proto.NodeProto { OpType = "Identity", Name = graph.UniqueName($"{hint}_pass"), Input = { outer }, Output = { passed } });
        return passed;
    }

    private static Onnx.Proto.ValueInfoProto FloatValue(string name) =>
        new() { Name = name, Type = new Onnx.Proto.TypeProto { TensorType = new Onnx.Proto.TypeProto.Types.Tensor { ElemType = (int)DT.Float } } };

    /// <summary>Removes the rounding nodes whose every output lost its readers to the switches.</summary>
    private static void RemoveUnused(OnnxGraph graph, List<Node> rounding)
    {
        for (bool removed = true; removed;)
        {
            removed = false;
            foreach (var node in rounding.Distinct().Where(n => graph.Nodes.Contains(n)).ToList())
            {
                if (node.Outputs.All(o => !graph.Consumers(o).Any() && !graph.IsGraphOutput(o)))
                {
                    graph.RemoveNode(node);
                    removed = true;
                }
            }
        }
    }

    /// <summary>
    /// When <paramref name="producer"/> reads rounded weights, it becomes an If on <paramref name="gate"/> running it with
    /// them or with the float weights <c>w</c> the prepared float model gives the node of the same name at the same input.
    /// Each branch holds its weights as its own initializers, so both stay constant for ONNX Runtime.
    /// </summary>
    private static void GateWeights(OnnxGraph graph, OnnxGraph floatGraph, Node producer, string gate, HashSet<string> weightLinks, OnnxModel floatModel)
    {
        var floatNode = floatGraph.Nodes.FirstOrDefault(n => n.Name == producer.Name);
        if (floatNode is null)
            return;
        var swapped = FloatParameters(graph, floatGraph, producer, floatNode, weightLinks, floatModel);
        if (swapped.Count == 0)
            return;
        Onnx.Proto.GraphProto Branch(string kind, Func<int, Onnx.Proto.TensorProto> weight)
        {
            var copy = producer.ToProto();
            copy.Name = graph.UniqueName($"{producer.Name}_{kind}");
            var branch = new Onnx.Proto.GraphProto { Name = graph.UniqueName($"{producer.Name}_{kind}_weights") };
            foreach (int i in swapped.Keys)
            {
                var tensor = weight(i).Clone();
                tensor.Name = copy.Input[i] = graph.UniqueName($"{tensor.Name}_{kind}");
                branch.Initializer.Add(tensor);
            }
            for (int o = 0; o < copy.Output.Count; o++)
            {
                copy.Output[o] = graph.UniqueName($"{copy.Output[o]}_{kind}");
                branch.Output.Add(FloatValue(copy.Output[o]));
            }
            branch.Node.Add(copy);
            return branch;
        }
        var rounded = Branch("rounded", i => graph.Initializer(producer.Inputs[i])!);
        var original = Branch("float", i => swapped[i]);
        var outputs = producer.Outputs.ToList();
        graph.RemoveNode(producer);
        graph.AddNode("If", [gate], outputs, name: graph.UniqueName($"{producer.Name}_switch"), attributes:
        [
            new Onnx.Proto.AttributeProto { Name = "then_branch", Type = Onnx.Proto.AttributeProto.Types.AttributeType.Graph, G = rounded },
            new Onnx.Proto.AttributeProto { Name = "else_branch", Type = Onnx.Proto.AttributeProto.Types.AttributeType.Graph, G = original },
        ]);
    }

    /// <summary>
    /// The float weights and biases the prepared float model gives <paramref name="floatNode"/> at the inputs where
    /// <paramref name="node"/> reads rounded ones, by input index (new initializers, not yet added). A bias that bias
    /// correction added where the float node has none becomes zeros.
    /// </summary>
    private static Dictionary<int, Onnx.Proto.TensorProto> FloatParameters(OnnxGraph graph, OnnxGraph floatGraph, Node node, Node floatNode, HashSet<string> weightLinks, OnnxModel floatModel)
    {
        var swapped = new Dictionary<int, Onnx.Proto.TensorProto>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (!weightLinks.Contains(node.Inputs[i]))
                continue;
            if (i < floatNode.Inputs.Count && floatGraph.Initializer(floatNode.Inputs[i]) is { DataType: (int)DT.Float } weight)
                swapped[i] = TensorData.FromFloats(graph.UniqueName($"{weight.Name}_float"), [.. weight.Dims], TensorData.ToFloats(weight, floatModel.External));
            else if (i >= floatNode.Inputs.Count && graph.Initializer(node.Inputs[i]) is { } added)
                swapped[i] = TensorData.FromFloats(graph.UniqueName($"{added.Name}_float"), [.. added.Dims], new float[TensorData.ElementCount(added)]);
        }
        return swapped;
    }

    // A Relu/Clip fused into its producer: the float model writes x with it, the quantized one without it.
    private static FloatRange? FusedBounds(OnnxGraph floatGraph, OnnxGraph graph, string x, OnnxModel floatModel) =>
        floatGraph.Producer(x) is { OpType: "Relu" or "Clip" } activation && graph.Producer(x)?.OpType != activation.OpType
            ? Passes.ActivationFusion.ActivationBounds(floatGraph, activation, floatModel.External)
            : null;

    private static string Clamp(OnnxGraph graph, string x, FloatRange bounds)
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
