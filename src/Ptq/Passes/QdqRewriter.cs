using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Quantization;

namespace Ptq.Passes;

/// <summary>One quantized tensor as written to the model (a row of quant_param.csv).</summary>
/// <param name="NodeName">The node that reads (weights, biases) or writes (activations) the tensor.</param>
/// <param name="NodeType">That node's op type.</param>
/// <param name="TensorName">The float tensor's name.</param>
/// <param name="Kind">Activation, Weight, Bias or Constant.</param>
/// <param name="Dims">Tensor dims when known (weights and biases), else empty.</param>
/// <param name="Parameters">Scale(s) and zero point(s).</param>
internal sealed record QuantizedTensorRecord(string NodeName, string NodeType, string TensorName, string Kind, long[] Dims, QuantParams Parameters)
{
    /// <summary>
    /// For an activation: the DequantizeLinear output its readers see in the quantized graph (the first, when pairs are
    /// dedicated per reader), so searches compare it with the float tensor without reading the graph back.
    /// </summary>
    public string? Dequantized { get; init; }
}

/// <summary>Settings the rewrite needs beyond the plan.</summary>
/// <param name="Weights">Scheme for weights.</param>
/// <param name="Activations">Scheme for constant activation operands.</param>
/// <param name="Opset">Default-domain opset of the output model (decides whether weights of up to 4 bits are stored as INT4/UINT4).</param>
/// <param name="FloatWeightsWithQdq">ONNX Runtime's AddQDQPairToWeight: weights stay float initializers (their
/// dequantized values, so the codes are exactly those chosen) behind a QuantizeLinear → DequantizeLinear pair.</param>
/// <param name="DedicatedPairs">ONNX Runtime's DedicatedQDQPair: an activation read by several nodes gets one
/// QuantizeLinear → DequantizeLinear pair per reader instead of one shared pair.</param>
internal sealed record QdqRewriteSettings(QuantScheme Weights, QuantScheme Activations, long Opset, bool FloatWeightsWithQdq = false, bool DedicatedPairs = false);

/// <summary>
/// Rewrites a float graph into QDQ form following a <see cref="QuantizationPlan"/>: each quantized activation gets one
/// QuantizeLinear → DequantizeLinear pair right after its producer (with a <see cref="CodeClamp"/> between them when
/// its scheme has fewer bits than its 8- or 16-bit storage type) and every consumer reads the dequantized value;
/// weights become integer initializers behind a DequantizeLinear (per-channel with <c>axis</c>); biases become int32
/// with scale = input scale × weight scale. The float weights that nothing reads any more are removed.
/// </summary>
internal static class QdqRewriter
{
    /// <summary>
    /// Applies the rewrite. <paramref name="activationParams"/> must hold parameters for every tensor in
    /// <see cref="QuantizationPlan.CalibratedTensors"/>. Returns one record per quantized tensor.
    /// </summary>
    /// <param name="graph">The float graph to rewrite.</param>
    /// <param name="plan">What to quantize.</param>
    /// <param name="activationParams">Parameters of every calibrated activation.</param>
    /// <param name="weights">Quantized weights from <see cref="QuantizeWeights"/> (possibly tuned).</param>
    /// <param name="settings">Schemes and output opset.</param>
    /// <param name="external">Reader for external tensors.</param>
    public static IReadOnlyList<QuantizedTensorRecord> Apply(OnnxGraph graph, QuantizationPlan plan,
        IReadOnlyDictionary<string, QuantParams> activationParams, IReadOnlyDictionary<WeightPlan, QuantizedWeight> weights,
        QdqRewriteSettings settings, ExternalDataReader? external = null)
    {
        var records = new List<QuantizedTensorRecord>();
        var paramsOf = new Dictionary<string, QuantParams>(StringComparer.Ordinal);
        foreach (string tensor in plan.QuantizedActivations)
        {
            string source = plan.ParameterSource(tensor);
            paramsOf[tensor] = activationParams.TryGetValue(source, out var p)
                ? p
                : throw new PtqException($"no quantization parameters for activation '{source}' (calibration did not cover it)");
        }

        var weightParams = new Dictionary<WeightPlan, (QuantizedWeight Weight, long[] Dims)>();
        foreach (var weight in plan.Weights)
        {
            long[] dims = [.. weight.Node.Graph.VisibleInitializer(weight.Initializer)!.Dims];
            weightParams[weight] = weights.TryGetValue(weight, out var quantized)
                ? (quantized, dims)
                : throw new PtqException($"weight '{weight.Initializer}' of {weight.Node} was planned but not quantized");
        }

        foreach (var bias in plan.Biases)
        {
            var weight = plan.Weights.First(w => w.Node == bias.Node);
            if (!paramsOf.TryGetValue(bias.Input, out var inputParams))
                continue; // the input stays float, so the bias does too
            var (quantizedWeight, dims) = weightParams[weight];
            var scope = bias.Node.Graph; // the bias's reader's graph: the main graph or an If/Loop/Scan body
            var tensor = scope.VisibleInitializer(bias.Initializer)!;
            var values = TensorData.ToFloats(tensor, external);
            var (biasParams, codes, adjusted) = BiasQuantizer.Quantize(bias.Initializer, values, inputParams.Scale, quantizedWeight.Parameters);
            if (adjusted is not null)
            {
                var floats = TensorData.ToFloats(scope.VisibleInitializer(weight.Initializer)!, external);
                weightParams[weight] = (new QuantizedWeight(WeightQuantizer.Encode(floats, adjusted, dims), adjusted), dims);
            }
            string name = scope.UniqueName(bias.Initializer + "_quantized");
            scope.AddInitializer(QuantizedTensors.Create(name, TensorProto.Types.DataType.Int32, [values.Length], codes));
            string dq = AddDequantize(scope, name, biasParams, TensorProto.Types.DataType.Int32, bias.Initializer);
            scope.ReplaceInput(bias.Node, bias.InputIndex, dq);
            records.Add(new QuantizedTensorRecord(bias.Node.DisplayName, bias.Node.OpType, bias.Initializer, "Bias", [values.Length], biasParams));
        }

        foreach (var weight in plan.Weights)
        {
            var (quantized, dims) = weightParams[weight];
            // The integer weight and its DequantizeLinear go into the reader's graph, also when the float weight is an
            // outer-scope initializer a body reads by name: ONNX Runtime fuses DequantizeLinear → op only within a graph.
            var scope = weight.Node.Graph;
            string name = scope.UniqueName(weight.Initializer + (settings.FloatWeightsWithQdq ? "_rounded" : "_quantized"));
            var storage = quantized.Parameters.Scheme.StorageType(settings.Opset);
            if (settings.FloatWeightsWithQdq)
            {
                scope.AddInitializer(TensorData.FromFloats(name, dims, quantized.Dequantize(dims)));
                name = AddQuantize(scope, name, quantized.Parameters, storage, weight.Initializer);
            }
            else
            {
                scope.AddInitializer(QuantizedTensors.Create(name, storage, dims, quantized.Codes));
            }
            string dq = AddDequantize(scope, name, quantized.Parameters, storage, weight.Initializer);
            scope.ReplaceInput(weight.Node, weight.InputIndex, dq);
            records.Add(new QuantizedTensorRecord(weight.Node.DisplayName, weight.Node.OpType, weight.Initializer, "Weight", dims, quantized.Parameters));
        }

        foreach (string constant in plan.ConstantActivations)
        foreach (var scope in plan.ScopesOf(constant, graph))
        {
            var tensor = scope.VisibleInitializer(constant)!;
            long[] dims = [.. tensor.Dims];
            var quantized = WeightQuantizer.MinMax(constant, TensorData.ToFloats(tensor, external), dims, settings.Activations, axis: null);
            string name = scope.UniqueName(constant + "_quantized");
            // Read where an activation would be (e.g. by QLinearAdd), so stored like one.
            var storage = settings.Activations.ActivationStorageType;
            scope.AddInitializer(QuantizedTensors.Create(name, storage, dims, quantized.Codes));
            var consumers = scope.Consumers(constant).ToList();
            string dq = AddDequantize(scope, name, quantized.Parameters, storage, constant);
            foreach (var (node, index) in consumers)
                scope.ReplaceInput(node, index, dq);
            var reader = consumers.FirstOrDefault().Node;
            records.Add(new QuantizedTensorRecord(reader?.DisplayName ?? "", reader?.OpType ?? "", constant, "Constant", dims, quantized.Parameters));
        }

        foreach (string tensor in plan.QuantizedActivations)
        foreach (var g in plan.ScopesOf(tensor, graph))
        {
            // In a body (If branch, Loop/Scan body) the pair goes next to the readers the body's plan quantized, also
            // when the tensor itself comes from an enclosing graph, so each body's int8 ops see their Q/DQ locally.
            var parameters = paramsOf[tensor];
            var consumers = g.Consumers(tensor).ToList();
            string scale = g.UniqueName(tensor + "_scale");
            string zeroPoint = g.UniqueName(tensor + "_zero_point");
            g.AddInitializer(QuantizedTensors.Scales(scale, parameters));
            g.AddInitializer(QuantizedTensors.ZeroPoints(zeroPoint, parameters, parameters.Scheme.ActivationStorageType));
            // One shared pair, or (DedicatedPairs) one per reader, so each reader's group can be fused on its own.
            var readers = settings.DedicatedPairs && consumers.Count > 1 ? consumers.Select(c => new[] { c }).ToList() : [[.. consumers]];
            string? first = null;
            foreach (var group in readers)
            {
                string quantized = g.UniqueName(tensor + "_quantized");
                string dequantized = g.UniqueName(tensor + "_dequantized");
                g.AddNode("QuantizeLinear", [tensor, scale, zeroPoint], [quantized], name: g.UniqueName(tensor + "_QuantizeLinear"));
                string codes = CodeClamp.Insert(g, quantized, parameters.Scheme, tensor);
                g.AddNode("DequantizeLinear", [codes, scale, zeroPoint], [dequantized], name: g.UniqueName(tensor + "_DequantizeLinear"));
                first ??= dequantized;
                foreach (var (node, index) in group)
                    g.ReplaceInput(node, index, dequantized);
            }
            var producer = g.Producer(tensor);
            records.Add(new QuantizedTensorRecord(producer?.DisplayName ?? "(graph input)", producer?.OpType ?? "", tensor, "Activation", [], parameters) { Dequantized = first });
        }

        foreach (var g in graph.AllGraphs().ToList())
            g.RemoveUnusedInitializers();
        return records;
    }

    /// <summary>Round-to-nearest quantization of every planned weight with min-max or MSE ranges (the starting point tuning methods refine).</summary>
    public static Dictionary<WeightPlan, QuantizedWeight> QuantizeWeights(OnnxGraph graph, QuantizationPlan plan, Func<Node, QuantScheme> schemeOf,
        ExternalDataReader? external = null, WeightMethod method = WeightMethod.MinMax)
    {
        var result = new Dictionary<WeightPlan, QuantizedWeight>();
        foreach (var weight in plan.Weights)
        {
            var tensor = weight.Node.Graph.VisibleInitializer(weight.Initializer)!;
            var values = TensorData.ToFloats(tensor, external);
            result[weight] = method switch
            {
                WeightMethod.Mse => MseWeightQuantizer.Quantize(weight.Initializer, values, [.. tensor.Dims], schemeOf(weight.Node), weight.Axis),
                WeightMethod.Admm => AdmmWeightQuantizer.Quantize(weight.Initializer, values, [.. tensor.Dims], schemeOf(weight.Node), weight.Axis),
                _ => WeightQuantizer.MinMax(weight.Initializer, values, [.. tensor.Dims], schemeOf(weight.Node), weight.Axis),
            };
        }
        return result;
    }

    private static string AddQuantize(OnnxGraph graph, string value, QuantParams parameters, TensorProto.Types.DataType storage, string hint) =>
        AddLinear(graph, "QuantizeLinear", value, parameters, storage, hint + "_q", hint + "_quantized", hint + "_QuantizeLinear");

    private static string AddDequantize(OnnxGraph graph, string quantized, QuantParams parameters, TensorProto.Types.DataType storage, string hint) =>
        AddLinear(graph, "DequantizeLinear", quantized, parameters, storage, hint, hint + "_dequantized", hint + "_DequantizeLinear");

    // QuantizeLinear or DequantizeLinear with its own scale and zero point initializers (named from parameterHint).
    private static string AddLinear(OnnxGraph graph, string opType, string input, QuantParams parameters, TensorProto.Types.DataType storage,
        string parameterHint, string outputHint, string nodeHint)
    {
        string scale = graph.UniqueName(parameterHint + "_scale");
        string zeroPoint = graph.UniqueName(parameterHint + "_zero_point");
        graph.AddInitializer(QuantizedTensors.Scales(scale, parameters));
        graph.AddInitializer(QuantizedTensors.ZeroPoints(zeroPoint, parameters, storage));
        string output = graph.UniqueName(outputHint);
        var attributes = parameters.Axis is int axis ? new[] { Node.IntAttribute("axis", axis) } : null;
        graph.AddNode(opType, [input, scale, zeroPoint], [output], name: graph.UniqueName(nodeHint), attributes: attributes);
        return output;
    }
}
