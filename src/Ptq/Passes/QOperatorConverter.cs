using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes;

/// <summary>What <see cref="QOperatorConverter.Convert"/> did: integer operators written, by type, and the quantized nodes left in QDQ form.</summary>
/// <param name="Operators">QLinear/QGemm operators and int8 pass-through nodes written, by op type (sorted).</param>
/// <param name="KeptQdq">Nodes between DequantizeLinear and QuantizeLinear that stay float (no integer kernel, or parameters it cannot take), by op type.</param>
internal sealed record QOperatorConversion(IReadOnlyDictionary<string, int> Operators, IReadOnlyDictionary<string, int> KeptQdq)
{
    /// <summary>"26 QLinearConv, 8 QLinearConcat, …" (or "none").</summary>
    public static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"));
}

/// <summary>
/// Turns a verified QDQ model into ONNX Runtime's QOperator form, as its quantizer writes it with
/// <c>QuantFormat.QOperator</c>: each DequantizeLinear → op → QuantizeLinear group whose op has an integer kernel
/// becomes that kernel (QLinearConv, QLinearMatMul, com.microsoft QGemm, QLinearAdd, QLinearMul, QLinearConcat,
/// QLinearAveragePool, QLinearGlobalAveragePool, QLinearSigmoid, QLinearLeakyRelu), reading the integer tensors and
/// their scales directly; MaxPool and the shape ops whose output keeps the input's scale run on the integer tensor.
/// Everything else keeps its DequantizeLinear → float op → QuantizeLinear form, so QuantizeLinear stays at the
/// inputs and DequantizeLinear at the outputs of the integer regions. The arithmetic is the QDQ model's: the same
/// codes, scales and zero points, so the outputs agree with the QDQ model's within one quantization step.
/// </summary>
internal static class QOperatorConverter
{
    private const string Microsoft = "com.microsoft";

    /// <summary>Element-wise and pooling ops with a one-input com.microsoft QLinear kernel.</summary>
    private static readonly HashSet<string> UnaryQLinear = ["AveragePool", "GlobalAveragePool", "Sigmoid", "LeakyRelu"];

    /// <summary>Ops that only move or select values (order-preserving), so they run on codes when input and output share scale and zero point.</summary>
    private static readonly HashSet<string> PassThrough = ["MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity"];

    /// <summary>Converts <paramref name="qdq"/> (not modified); returns the QOperator model and what changed.</summary>
    public static (OnnxModel Model, QOperatorConversion Conversion) Convert(OnnxModel qdq)
    {
        var graph = OnnxGraph.FromModel(qdq, promoteConstants: false);
        var written = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var kept = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.TopologicalOrder().ToList())
        {
            if (!node.IsStandard || node.OpType is "QuantizeLinear" or "DequantizeLinear")
                continue;
            if (!node.Inputs.Any(i => Dequantize(graph, i) is not null))
                continue;
            var q = OutputQuantize(graph, node);
            if (q is null && node.OpType is not ("Gemm" or "MatMul"))
                continue; // a float op reading dequantized values, as in QDQ form
            string? op = TryConvert(graph, node, q);
            var counts = op is null ? kept : written;
            string key = op ?? node.OpType;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        RemoveDeadDequantizers(graph);
        graph.RemoveUnusedInitializers();
        var produced = graph.Nodes.SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        graph.ValueInfos.RemoveAll(v => !produced.Contains(v.Name));

        var proto = qdq.Proto.Clone();
        proto.Graph = graph.ToProto();
        if (graph.Nodes.Any(n => n.Domain == Microsoft) && !proto.OpsetImport.Any(o => o.Domain == Microsoft))
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = Microsoft, Version = 1 });
        return (qdq.Derive(proto), new QOperatorConversion(written, kept));
    }

    /// <summary>The integer operator written in place of <paramref name="node"/> and its <paramref name="output"/> QuantizeLinear, or null when the group stays QDQ.</summary>
    private static string? TryConvert(OnnxGraph graph, Node node, Quantized? output)
    {
        if (output is not { } q)
            return TryFloatOutput(graph, node);
        var inputs = node.Inputs.Select(i => i.Length == 0 ? null : Dequantize(graph, i)).ToList();
        bool ActivationAt(int i) => i < inputs.Count && inputs[i] is { PerTensor: true, Is8Bit: true };
        bool AllActivations(int count) => node.Inputs.Count == count && Enumerable.Range(0, count).All(ActivationAt);
        switch (node.OpType)
        {
            case "Conv" when ActivationAt(0) && Weight(inputs, 1, axis: 0) is { } w && Bias(inputs, node, 2, inputs[0]!, w, alpha: 1) is { } bias:
                return Replace(graph, node, q, "QLinearConv", "", [.. inputs[0]!.Triple, .. w.Triple, q.Scale, q.ZeroPoint, .. bias], node.Attributes);
            case "MatMul" when AllActivations(2) || (node.Inputs.Count == 2 && ActivationAt(0) && MatMulWeight(graph, inputs) is not null):
                return Replace(graph, node, q, "QLinearMatMul", "", [.. inputs[0]!.Triple, .. inputs[1]!.Triple, q.Scale, q.ZeroPoint], null);
            case "Gemm" when ActivationAt(0) && GemmAttributesFit(node)
                              && Weight(inputs, 1, axis: node.GetInt("transB", 0) == 1 ? 0 : 1) is { } w
                              && Bias(inputs, node, 2, inputs[0]!, w, node.GetFloat("alpha", 1)) is { } bias:
                // QGemm: C is int32 with scale alpha × A scale × B scale; given y_scale, the output is quantized.
                return Replace(graph, node, q, "QGemm", Microsoft,
                    [.. inputs[0]!.Triple, .. w.Triple, bias.Length > 0 ? bias[0] : "", q.Scale, q.ZeroPoint], node.Attributes.Where(a => a.Name != "beta"));
            case "Add" or "Mul" when AllActivations(2) && inputs[0]!.Type == inputs[1]!.Type && inputs[0]!.Type == q.Type:
                return Replace(graph, node, q, "QLinear" + node.OpType, Microsoft, [.. inputs[0]!.Triple, .. inputs[1]!.Triple, q.Scale, q.ZeroPoint], null);
            case "Concat" when AllActivations(node.Inputs.Count) && inputs.All(i => i!.Type == q.Type):
                return Replace(graph, node, q, "QLinearConcat", Microsoft, [q.Scale, q.ZeroPoint, .. inputs.SelectMany(i => i!.Triple)], node.Attributes);
            case var op when UnaryQLinear.Contains(op) && AllActivations(1) && inputs[0]!.Type == q.Type && node.Outputs.Count == 1:
                return Replace(graph, node, q, "QLinear" + op, Microsoft, [.. inputs[0]!.Triple, q.Scale, q.ZeroPoint], node.Attributes);
            case var op when PassThrough.Contains(op) && ActivationAt(0) && node.Outputs.Count == 1 && SameParameters(graph, inputs[0]!, q)
                              && inputs.Skip(1).All(i => i is null):
                return Replace(graph, node, q, op, "", [inputs[0]!.Codes, .. node.Inputs.Skip(1)], node.Attributes);
            default:
                return null;
        }
    }

    /// <summary>
    /// A quantized Gemm or MatMul whose output stays float (logits, or a projection followed by a float bias Add):
    /// QGemm without y_scale, or com.microsoft MatMulIntegerToFloat (what ONNX Runtime fuses the QDQ form into).
    /// </summary>
    private static string? TryFloatOutput(OnnxGraph graph, Node node)
    {
        var inputs = node.Inputs.Select(i => i.Length == 0 ? null : Dequantize(graph, i)).ToList();
        if (inputs[0] is not { PerTensor: true, Is8Bit: true } a)
            return null;
        string opType;
        List<string> operands;
        if (node.OpType == "MatMul" && node.Inputs.Count == 2 && MatMulWeight(graph, inputs) is { } b)
            (opType, operands) = ("MatMulIntegerToFloat", [a.Codes, b.Codes, a.Scale, b.Scale, a.ZeroPoint, b.ZeroPoint]);
        else if (node.OpType == "Gemm" && GemmAttributesFit(node) && Weight(inputs, 1, axis: node.GetInt("transB", 0) == 1 ? 0 : 1) is { } w
                 && Bias(inputs, node, 2, a, w, node.GetFloat("alpha", 1)) is { } bias)
            (opType, operands) = ("QGemm", [.. a.Triple, .. w.Triple, bias.Length > 0 ? bias[0] : ""]);
        else
            return null;
        string name = node.Name, output = node.Outputs[0];
        var attributes = opType == "QGemm" ? node.Attributes.Where(x => x.Name != "beta").Select(x => x.Clone()).ToList() : null;
        graph.RemoveNode(node);
        graph.AddNode(opType, operands, [output], name: name, attributes: attributes, domain: Microsoft);
        return opType;
    }

    private static bool GemmAttributesFit(Node node) => node.GetFloat("beta", 1) == 1 && node.GetInt("transA", 0) == 0;

    private static string Replace(OnnxGraph graph, Node node, Quantized q, string opType, string domain, IEnumerable<string> inputs,
        IEnumerable<AttributeProto>? attributes)
    {
        // The integer operator writes the QuantizeLinear's output, so whatever read the codes (DequantizeLinear, a code clamp) is unchanged.
        string name = node.Name;
        var copied = attributes?.Select(a => a.Clone()).ToList();
        graph.RemoveNode(q.Node);
        graph.RemoveNode(node);
        graph.AddNode(opType, inputs, [q.Node.Outputs[0]], name: name, attributes: copied, domain: domain);
        return opType;
    }

    /// <summary>A constant 8-bit weight behind a DequantizeLinear, per tensor or per channel along <paramref name="axis"/>.</summary>
    private static Dequantized? Weight(List<Dequantized?> inputs, int index, int axis) =>
        index < inputs.Count && inputs[index] is { Is8Bit: true, IsConstant: true } w && (w.PerTensor || w.Axis == axis) ? w : null;

    /// <summary>
    /// A MatMul's constant B: per tensor, or per column of a 2-D B (ONNX Runtime takes a 1-D scale of N values only
    /// for 2-D weights; higher ranks would need the scale shaped like B with a 1 in the second-to-last dimension).
    /// </summary>
    private static Dequantized? MatMulWeight(OnnxGraph graph, List<Dequantized?> inputs) =>
        Weight(inputs, 1, axis: 1) is { } b && (b.PerTensor || graph.Initializer(b.Codes)!.Dims.Count == 2) ? b : null;

    /// <summary>
    /// The bias inputs of the integer operator: none when the node has no bias, the int32 codes when their scale is
    /// <paramref name="alpha"/> × input scale × weight scale with zero point 0 (what the kernels assume), null otherwise.
    /// </summary>
    private static string[]? Bias(List<Dequantized?> inputs, Node node, int index, Dequantized input, Dequantized weight, float alpha)
    {
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0)
            return [];
        if (inputs[index] is not { Type: DT.Int32, IsConstant: true } bias || bias.ZeroPoints.Any(z => z != 0))
            return null;
        for (int c = 0; c < bias.Scales.Length; c++)
        {
            double expected = (double)alpha * input.Scales[0] * weight.Scales[weight.PerTensor ? 0 : c];
            if (Math.Abs(bias.Scales[c] - expected) > 1e-5 * expected)
                return null;
        }
        return [bias.Codes];
    }

    private static bool SameParameters(OnnxGraph graph, Dequantized input, Quantized q) =>
        input.Type == q.Type && input.Scales.Length == 1 && input.Scales[0] == Read(graph, q.Scale)[0] && input.ZeroPoints[0] == Read(graph, q.ZeroPoint)[0];

    /// <summary>The single QuantizeLinear (per tensor, 8-bit, constant parameters) that alone reads the node's only output.</summary>
    private static Quantized? OutputQuantize(OnnxGraph graph, Node node)
    {
        if (node.Outputs.Count == 0 || graph.IsGraphOutput(node.Outputs[0]) || node.Outputs.Skip(1).Any(o => o.Length > 0))
            return null;
        var consumers = graph.Consumers(node.Outputs[0]);
        if (consumers is not [{ Node: { OpType: "QuantizeLinear" } q, InputIndex: 0 }] || q.Inputs.Count < 3)
            return null;
        if (graph.Initializer(q.Inputs[1]) is not { Dims.Count: 0 } || graph.Initializer(q.Inputs[2]) is not { Dims.Count: 0 } zeroPoint
            || (DT)zeroPoint.DataType is not (DT.Int8 or DT.Uint8))
            return null;
        return new Quantized(q, q.Inputs[1], q.Inputs[2], (DT)zeroPoint.DataType);
    }

    /// <summary>The DequantizeLinear producing <paramref name="value"/> with constant scale and zero point, or null.</summary>
    private static Dequantized? Dequantize(OnnxGraph graph, string value)
    {
        if (graph.Producer(value) is not { OpType: "DequantizeLinear" } dq || dq.Inputs.Count < 3)
            return null;
        if (graph.Initializer(dq.Inputs[1]) is not { } scale || graph.Initializer(dq.Inputs[2]) is not { } zeroPoint)
            return null;
        int? axis = scale.Dims.Count == 0 ? null : (int)dq.GetInt("axis", 1);
        return new Dequantized(dq.Inputs[0], dq.Inputs[1], dq.Inputs[2], (DT)zeroPoint.DataType, TensorData.ToFloats(scale),
            [.. TensorData.ToFloats(zeroPoint).Select(z => (int)z)], axis, graph.IsInitializer(dq.Inputs[0]));
    }

    private static float[] Read(OnnxGraph graph, string initializer) => TensorData.ToFloats(graph.Initializer(initializer)!);

    /// <summary>Removes DequantizeLinear nodes whose output nothing reads any more (repeatedly: none feeds another, but cheap to be sure).</summary>
    private static void RemoveDeadDequantizers(OnnxGraph graph)
    {
        foreach (var dq in graph.Nodes.Where(n => n.OpType == "DequantizeLinear").ToList())
            if (graph.Consumers(dq.Outputs[0]).Count == 0 && !graph.IsGraphOutput(dq.Outputs[0]))
                graph.RemoveNode(dq);
    }

    private sealed record Quantized(Node Node, string Scale, string ZeroPoint, DT Type);

    private sealed record Dequantized(string Codes, string Scale, string ZeroPoint, DT Type, float[] Scales, int[] ZeroPoints, int? Axis, bool IsConstant)
    {
        public bool PerTensor => Axis is null;

        public bool Is8Bit => Type is DT.Int8 or DT.Uint8;

        public string[] Triple => [Codes, Scale, ZeroPoint];
    }
}
