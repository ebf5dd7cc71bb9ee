using Ptq.Graph;
using Ptq.Onnx.Proto;

namespace Ptq.Quantization;

/// <summary>Decides, from the graph and the op rule table, which tensors are quantized and how (see <see cref="QuantizationPlan"/>).</summary>
internal static class QuantizationPlanner
{
    /// <summary>
    /// Plans the quantization of <paramref name="graph"/> and of its If/Loop/Scan bodies, each body as a graph of its own.
    /// A node runs in int8 when it has a rule, is not skipped, its activations are float, and either it is a heavy op
    /// (<see cref="OpRule.AlwaysInt8"/>) or some int8 node reads its output — decided backwards from the graph outputs,
    /// so cheap ops at the end of a network (GlobalAveragePool before a float Softmax) are not quantized for nothing.
    /// Where ONNX Runtime's integer kernels would be slower or cost accuracy for nothing (transformers), nodes stay float
    /// or keep a float output: MatMuls of two activations, a MatMul output only float ops read, a Conv island on a model input.
    /// </summary>
    /// <param name="graph">The prepared float graph (opset ≥ 13).</param>
    /// <param name="perChannelWeights">One scale per output channel for weights.</param>
    /// <param name="isSkipped">Returns why a node must stay float, or null.</param>
    /// <param name="isFloat">Whether an activation is float32 (from a type probe or the statistics); null trusts declared types only.</param>
    /// <param name="shapeOf">Shape of an activation for one sample, when known; with <paramref name="minElements"/>, ops
    /// reading a feature vector (no spatial extent: every axis after the channel axis is 1) of fewer values stay float
    /// (squeeze-excite vectors, pooled features: a per-tensor 8-bit grid over a few hundred values loses much, and int8
    /// buys no speed there).</param>
    /// <param name="minElements">Smallest feature vector (values per sample) worth quantizing.</param>
    /// <param name="concatSharesScale">Concat inputs that feed nothing else reuse the Concat output's parameters: one
    /// rounding instead of two (no requantization), and ORT can concatenate the integers directly.</param>
    /// <param name="parameters">Which parameter classes are quantized (ONNX Runtime's QuantizeBias, Distiller's weight bits 0); the others stay float initializers.</param>
    public static QuantizationPlan Plan(OnnxGraph graph, bool perChannelWeights, Func<Node, string?>? isSkipped = null, Func<string, bool>? isFloat = null,
        Func<string, long[]?>? shapeOf = null, long minElements = 0, bool concatSharesScale = true, QuantizedParameters parameters = QuantizedParameters.WeightsAndBiases)
    {
        var main = PlanGraph(graph, perChannelWeights, isSkipped, isFloat, shapeOf, minElements, concatSharesScale, parameters);
        var bodies = graph.Subgraphs().Select(g => (Graph: g, Plan: PlanGraph(g, perChannelWeights, isSkipped, isFloat, shapeOf, minElements, concatSharesScale, parameters))).ToList();
        if (bodies.Count == 0)
            return main;
        // Each If branch and Loop/Scan body is planned as a graph of its own (its readers, its outputs, the outer values it
        // reads by name treated like graph inputs); the plans are merged, and each tensor remembers the graphs whose readers
        // get its Q/DQ, so an int8 Conv in a branch reads a DequantizeLinear in that branch.
        var calibrated = new List<string>(main.CalibratedTensors);
        var follows = new Dictionary<string, string>(main.Follows, StringComparer.Ordinal);
        var constants = new List<string>(main.ConstantActivations);
        var scopes = new Dictionary<string, List<OnnxGraph>>(StringComparer.Ordinal);
        void AddScope(string tensor, OnnxGraph g)
        {
            if (!scopes.TryGetValue(tensor, out var list))
                scopes[tensor] = list = [];
            if (!list.Contains(g))
                list.Add(g);
        }
        foreach (string tensor in main.QuantizedActivations.Concat(main.ConstantActivations))
            AddScope(tensor, graph);
        foreach (var (body, plan) in bodies)
        {
            foreach (string tensor in plan.CalibratedTensors)
            {
                if (!calibrated.Contains(tensor) && !follows.ContainsKey(tensor))
                    calibrated.Add(tensor);
                AddScope(tensor, body);
            }
            foreach (var (tensor, source) in plan.Follows)
            {
                if (!calibrated.Contains(tensor))
                    follows.TryAdd(tensor, source);
                AddScope(tensor, body);
            }
            foreach (string constant in plan.ConstantActivations)
            {
                if (!constants.Contains(constant))
                    constants.Add(constant);
                AddScope(constant, body);
            }
        }
        var all = bodies.Select(b => b.Plan).Prepend(main).ToList();
        var int8 = new HashSet<Node>(all.SelectMany(p => p.Int8Nodes), ReferenceEqualityComparer.Instance);
        return new QuantizationPlan(calibrated, follows, constants, [.. all.SelectMany(p => p.Weights)], [.. all.SelectMany(p => p.Biases)],
            [.. all.SelectMany(p => p.FloatNodes)], int8, scopes.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<OnnxGraph>)kv.Value, StringComparer.Ordinal));
    }

    // The plan of one graph on its own; a body reads outer initializers by name (VisibleInitializer) as its weights.
    private static QuantizationPlan PlanGraph(OnnxGraph graph, bool perChannelWeights, Func<Node, string?>? isSkipped, Func<string, bool>? isFloat,
        Func<string, long[]?>? shapeOf, long minElements, bool concatSharesScale, QuantizedParameters parameters)
    {
        var order = graph.TopologicalOrder();
        var floatNodes = new List<FloatNode>();
        var eligible = new Dictionary<Node, OpRule>(ReferenceEqualityComparer.Instance);
        foreach (var node in order)
        {
            if ((EligibilityProblem(graph, node, isSkipped, isFloat) ?? NotRun(graph, node, shapeOf) ?? TooSmall(graph, node, shapeOf, minElements)) is { } reason)
                floatNodes.Add(new FloatNode(node, reason));
            else
                eligible[node] = OpRules.For(node)!;
        }

        var int8 = Int8Nodes(graph, order, eligible, out var floatOutput, floatNodes);
        // ORT's QLinearConv needs a quantized output, so a Conv reading a model input with only float ops after it is an
        // int8 island: input and output quantized just for it, and its output rounded to 8 bits on its way into float ops
        // (vit-cifar's patch embedding into the residual stream: 99.10 % top-1 agreement with it int8, 99.47 % float).
        // Decided on the graph as it is, not after skips, so a search keeping some activations float does not take the
        // Conv before it along. Islands deeper in a network (PP-OCRv4 rec: 27 Convs between float HardSwish arithmetic)
        // stay int8 until their latency is measured.
        var islands = floatOutput.Where(n => n.OpType != "MatMul" && graph.Inputs.Exists(i => i.Name == n.Inputs[0])).ToList();
        if (islands.Count > 0 && isSkipped is not null)
        {
            var unskipped = new Dictionary<Node, OpRule>(ReferenceEqualityComparer.Instance);
            foreach (var node in order.Where(n => eligible.ContainsKey(n) || (EligibilityProblem(graph, n, null, isFloat) ?? TooSmall(graph, n, shapeOf, minElements)) is null))
                unskipped[node] = OpRules.For(node)!;
            Int8Nodes(graph, order, unskipped, out var unread, floatNodes: null);
            islands.RemoveAll(n => !unread.Contains(n));
        }
        // A model whose only int8 op would be such a Conv keeps it: quantizing nothing is no answer to a quantize request.
        if (int8.Count == islands.Count)
            islands.Clear();
        foreach (var node in islands)
        {
            int8.Remove(node);
            floatNodes.Add(new FloatNode(node, IsolatedConv));
        }
        floatOutput.RemoveWhere(n => n.OpType != "MatMul");

        var calibrated = new List<string>();
        var calibratedSet = new HashSet<string>(StringComparer.Ordinal);
        var follows = new Dictionary<string, string>(StringComparer.Ordinal);
        var constants = new List<string>();
        var weights = new List<WeightPlan>();
        var biases = new List<BiasPlan>();
        bool IsQuantized(string tensor) => calibratedSet.Contains(tensor) || follows.ContainsKey(tensor);
        void Calibrate(string tensor)
        {
            if (!IsQuantized(tensor) && calibratedSet.Add(tensor))
                calibrated.Add(tensor);
        }

        foreach (var node in order.Where(int8.Contains))
        {
            var rule = eligible[node];
            string? weight = WeightOf(graph, node, rule);
            if (weight is not null)
                weights.Add(new WeightPlan(weight, node, rule.WeightInput!.Value, perChannelWeights ? ChannelAxis(node, graph.VisibleInitializer(weight)!) : null));

            foreach (int i in ActivationPositions(node, rule))
            {
                string input = node.Inputs[i];
                if (weight is not null && i == rule.WeightInput)
                    continue;
                if (graph.VisibleInitializer(input) is { } constant)
                {
                    if (constant.DataType == (int)TensorProto.Types.DataType.Float && !constants.Contains(input))
                        constants.Add(input);
                    continue;
                }
                Calibrate(input);
            }

            if (weight is not null && rule.BiasInput is int b && b < node.Inputs.Count && node.Inputs[b].Length > 0
                && graph.VisibleInitializer(node.Inputs[b]) is { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 1 })
            {
                biases.Add(new BiasPlan(node.Inputs[b], node, b, node.Inputs[0], weight));
            }

            // A MatMul read only by float ops (its bias Add, a residual Add, LayerNorm) keeps a float output: ONNX Runtime
            // then runs it as MatMulIntegerToFloat with the bias fused, instead of QLinearMatMul → DequantizeLinear → Add,
            // and the output is not rounded to 8 bits for nothing.
            if (rule.Output == OutputQuantization.Own && !floatOutput.Contains(node))
                Calibrate(node.Outputs[0]);
            else if (rule.Output == OutputQuantization.FollowInput)
                foreach (string output in node.Outputs.Where(o => o.Length > 0 && !IsQuantized(o)))
                    follows[output] = node.Inputs[0];
        }
        if (concatSharesScale)
        {
            foreach (var concat in order.Where(n => n.OpType == "Concat" && int8.Contains(n) && calibratedSet.Contains(n.Outputs[0])))
            {
                foreach (string input in concat.Inputs.Distinct())
                {
                    if (calibratedSet.Contains(input) && graph.Consumers(input).Count == 1 && !graph.IsGraphOutput(input))
                    {
                        calibratedSet.Remove(input);
                        calibrated.Remove(input);
                        follows[input] = concat.Outputs[0];
                    }
                }
            }
        }
        // An int32 bias needs the weight's scale, so float weights keep their biases float too.
        return new QuantizationPlan(calibrated, follows, constants, parameters == QuantizedParameters.None ? [] : weights,
            parameters == QuantizedParameters.WeightsAndBiases ? biases : [], floatNodes, int8);
    }

    internal const string IsolatedConv = "it reads a model input and no int8 op reads it: ONNX Runtime's QLinearConv would need its input and output quantized just for it";

    // Attention's Q·Kᵀ and probabilities·V: ONNX Runtime runs them as one QLinearMatMul per head plus QLinearSoftmax
    // and Q/DQ around the head split, slower than its float FusedMatMul (vit-cifar with them int8 ran at 1.08× fp32,
    // without at 1.31×, 1 thread) and costlier in accuracy (98.40 % vs 99.10 % top-1 agreement): they stay float.
    internal const string TwoActivationMatMul = "MatMul of two activations (attention): ONNX Runtime's QLinearMatMul per head is slower than float";

    private static string? EligibilityProblem(OnnxGraph graph, Node node, Func<Node, string?>? isSkipped, Func<string, bool>? isFloat)
    {
        var rule = OpRules.For(node);
        if (rule is null)
            return node.IsStandard ? "no quantization rule for this op" : $"custom domain '{node.Domain}'";
        if (isSkipped?.Invoke(node) is { } reason)
            return reason;
        if (rule.Output == OutputQuantization.FollowInput && node.Inputs.Count > 0 && graph.VisibleInitializer(node.Inputs[0]) is not null)
            return "its data input is a constant";
        if (node.OpType is "Add" or "Mul" && node.Inputs.Any(i => i.Length > 0 && graph.VisibleInitializer(i) is not null))
            return "arithmetic with a constant is cheaper and more accurate in float";
        if (!AllFloat(graph, node, rule, isFloat))
            return "inputs or output are not float32";
        if (node.OpType == "MatMul" && node.Inputs.All(i => graph.VisibleInitializer(i) is null))
            return TwoActivationMatMul;
        if (rule.WeightInput is int w && rule.AlwaysInt8 && node.OpType != "MatMul" && WeightOf(graph, node, rule) is null)
            return $"weight '{(w < node.Inputs.Count ? node.Inputs[w] : "")}' is not a constant float tensor";
        return null;
    }

    /// <summary>
    /// The nodes that run in int8, decided backwards from the graph outputs: heavy ops always, others when an int8 node
    /// reads their output. <paramref name="unread"/>: heavy ops whose output no int8 node reads. Reasons for the others go
    /// to <paramref name="floatNodes"/> when given.
    /// </summary>
    private static HashSet<Node> Int8Nodes(OnnxGraph graph, IReadOnlyList<Node> order, Dictionary<Node, OpRule> eligible, out HashSet<Node> unread, List<FloatNode>? floatNodes)
    {
        var int8 = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        unread = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (!eligible.TryGetValue(node, out var rule))
                continue;
            bool readByInt8 = node.Outputs.Any(o => o.Length > 0 && graph.Consumers(o).Any(c => int8.Contains(c.Node) && ReadsAsActivation(c.Node, c.InputIndex, eligible)));
            if (readByInt8 && PadsAModelInput(graph, node))
                floatNodes?.Add(new FloatNode(node, "it pads a model input: ONNX Runtime pads integers only in float, so quantizing after the Pad saves a QuantizeLinear/DequantizeLinear pair"));
            else if (rule.AlwaysInt8 || readByInt8)
                int8.Add(node);
            else
                floatNodes?.Add(new FloatNode(node, "nothing after it runs in int8, so quantizing it would only add error"));
            if (rule.AlwaysInt8 && !readByInt8)
                unread.Add(node);
        }
        return int8;
    }

    // ORT's QDQ optimiser leaves DequantizeLinear → Pad → QuantizeLinear in float; on a model input nothing else needs the
    // input quantized, so the quantization moves after the Pad (SqueezeNet's padded RGB input: one Q/DQ pair less).
    private static bool PadsAModelInput(OnnxGraph graph, Node node) =>
        node.OpType == "Pad" && graph.Producer(node.Inputs[0]) is null && graph.VisibleInitializer(node.Inputs[0]) is null;

    internal const string BranchNotRun = "its If branch did not run on the probe sample, so it has no activations to calibrate";

    // A body value the probe saw empty comes from an If branch the sample did not take (SubgraphOutputs' placeholder).
    private static string? NotRun(OnnxGraph graph, Node node, Func<string, long[]?>? shapeOf)
    {
        if (graph.Parent is null || shapeOf is null || OpRules.For(node) is not { } rule)
            return null;
        foreach (string tensor in ActivationPositions(node, rule).Select(i => node.Inputs[i]).Concat(node.Outputs.Take(1)))
            if (graph.VisibleInitializer(tensor) is null && shapeOf(tensor) is { } shape && shape.Contains(0))
                return BranchNotRun;
        return null;
    }

    private static string? TooSmall(OnnxGraph graph, Node node, Func<string, long[]?>? shapeOf, long minElements)
    {
        if (shapeOf is null || minElements <= 0)
            return null;
        var rule = OpRules.For(node)!;
        foreach (int i in ActivationPositions(node, rule))
        {
            if (graph.VisibleInitializer(node.Inputs[i]) is not null || shapeOf(node.Inputs[i]) is not { Length: >= 2 } shape)
                continue;
            // Shapes are probed with one sample, so a first dimension other than 1 is not the batch: a tensor flattened
            // to 2-D ([heads × rows, columns] before a Softmax) is all one sample's values.
            long values = shape.Skip(shape[0] == 1 ? 1 : 0).Aggregate(1L, (a, d) => a * d);
            bool vector = shape.Skip(2).All(d => d == 1);
            if (vector && values < minElements)
                return $"its input is a vector of {values} values per sample (below {minElements}), too few to quantize per tensor";
        }
        return null;
    }

    private static string? WeightOf(OnnxGraph graph, Node node, OpRule rule) =>
        rule.WeightInput is int w && w < node.Inputs.Count && graph.VisibleInitializer(node.Inputs[w]) is { } tensor
            && tensor.DataType == (int)TensorProto.Types.DataType.Float
            ? tensor.Name
            : null;

    private static IEnumerable<int> ActivationPositions(Node node, OpRule rule) =>
        (rule.ActivationInputs ?? Enumerable.Range(0, node.Inputs.Count)).Where(i => i < node.Inputs.Count && node.Inputs[i].Length > 0);

    private static bool ReadsAsActivation(Node consumer, int inputIndex, Dictionary<Node, OpRule> eligible) =>
        eligible.TryGetValue(consumer, out var rule) && (rule.ActivationInputs is null || rule.ActivationInputs.Contains(inputIndex));

    /// <summary>Per-channel axis of <paramref name="weight"/> for <paramref name="node"/>, or null when only per-tensor is safe.</summary>
    internal static int? ChannelAxis(Node node, TensorProto weight)
    {
        if (node.OpType == "ConvTranspose" && node.GetInt("group", 1) != 1)
            return null; // axis 1 spans only Cout/group channels per group; per-tensor is the safe choice
        if (node.OpType == "MatMul")
            return weight.Dims.Count >= 2 ? weight.Dims.Count - 1 : null;
        return OpRules.WeightChannelAxis(node);
    }

    private static bool AllFloat(OnnxGraph graph, Node node, OpRule rule, Func<string, bool>? isFloat)
    {
        var activations = ActivationPositions(node, rule)
            .Where(i => graph.VisibleInitializer(node.Inputs[i]) is null)
            .Select(i => node.Inputs[i]);
        foreach (string tensor in activations.Concat(rule.Output == OutputQuantization.None ? [] : node.Outputs.Take(1)))
        {
            if (isFloat is not null && !isFloat(tensor))
                return false;
            if (graph.FindType(tensor)?.TensorType is { } t && t.ElemType != (int)TensorProto.Types.DataType.Float)
                return false;
        }
        return true;
    }
}

/// <summary>Which parameters of the quantized layers are stored as integers.</summary>
internal enum QuantizedParameters
{
    /// <summary>Weights and biases (int32 with scale input × weight): what ONNX Runtime's integer kernels read.</summary>
    WeightsAndBiases,
    /// <summary>Weights only; biases stay float (ONNX Runtime's QuantizeBias=False).</summary>
    WeightsOnly,
    /// <summary>Neither: weights and biases stay float, only activations are quantized (Distiller's --qe-bits-wts 0).</summary>
    None,
}
