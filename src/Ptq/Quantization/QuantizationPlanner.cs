using Ptq.Graph;
using Ptq.Onnx.Proto;

namespace Ptq.Quantization;

/// <summary>Decides, from the graph and the op rule table, which tensors are quantized and how (see <see cref="QuantizationPlan"/>).</summary>
public static class QuantizationPlanner
{
    /// <summary>
    /// Plans the quantization of <paramref name="graph"/> (its main graph; subgraphs stay float). Nodes for which
    /// <paramref name="isSkipped"/> returns a reason stay float with that reason. Weights are per-channel when
    /// <paramref name="perChannelWeights"/> is set.
    /// </summary>
    /// <param name="graph">The prepared float graph (opset ≥ 13).</param>
    /// <param name="perChannelWeights">One scale per output channel for weights.</param>
    /// <param name="isSkipped">Returns why a node must stay float, or null.</param>
    /// <param name="isFloat">Whether an activation is float32 (from a type probe or the statistics); null trusts declared types only.</param>
    public static QuantizationPlan Plan(OnnxGraph graph, bool perChannelWeights, Func<Node, string?>? isSkipped = null, Func<string, bool>? isFloat = null)
    {
        var calibrated = new List<string>();
        var calibratedSet = new HashSet<string>(StringComparer.Ordinal);
        var follows = new Dictionary<string, string>(StringComparer.Ordinal);
        var constants = new List<string>();
        var weights = new List<WeightPlan>();
        var biases = new List<BiasPlan>();
        var floatNodes = new List<FloatNode>();

        bool IsQuantized(string tensor) => calibratedSet.Contains(tensor) || follows.ContainsKey(tensor);
        void Calibrate(string tensor)
        {
            if (!IsQuantized(tensor) && calibratedSet.Add(tensor))
                calibrated.Add(tensor);
        }

        foreach (var node in graph.TopologicalOrder())
        {
            var rule = OpRules.For(node);
            if (rule is null)
            {
                floatNodes.Add(new FloatNode(node, node.IsStandard ? "no quantization rule for this op" : $"custom domain '{node.Domain}'"));
                continue;
            }
            if (isSkipped?.Invoke(node) is { } reason)
            {
                floatNodes.Add(new FloatNode(node, reason));
                continue;
            }
            if (!AllFloat(graph, node, rule, isFloat))
            {
                floatNodes.Add(new FloatNode(node, "inputs are not float32"));
                continue;
            }

            string? weight = null;
            if (rule.WeightInput is int w && w < node.Inputs.Count && graph.Initializer(node.Inputs[w]) is { } weightTensor
                && weightTensor.DataType == (int)TensorProto.Types.DataType.Float)
            {
                weight = weightTensor.Name;
                int? axis = perChannelWeights ? ChannelAxis(node, weightTensor) : null;
                weights.Add(new WeightPlan(weight, node, w, axis));
            }
            else if (rule.ComputesInInt8 && rule.WeightInput is int wi && wi < node.Inputs.Count && node.OpType != "MatMul")
            {
                floatNodes.Add(new FloatNode(node, $"weight '{node.Inputs[wi]}' is not a constant float tensor"));
                continue;
            }

            var activationInputs = rule.ActivationInputs ?? Enumerable.Range(0, node.Inputs.Count).ToArray();
            foreach (int i in activationInputs)
            {
                if (i >= node.Inputs.Count || node.Inputs[i].Length == 0 || (weight is not null && i == rule.WeightInput))
                    continue;
                string input = node.Inputs[i];
                if (graph.Initializer(input) is { } constant)
                {
                    if (constant.DataType == (int)TensorProto.Types.DataType.Float && !constants.Contains(input))
                        constants.Add(input);
                    continue;
                }
                Calibrate(input);
            }

            if (weight is not null && rule.BiasInput is int b && b < node.Inputs.Count && node.Inputs[b].Length > 0
                && graph.Initializer(node.Inputs[b]) is { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 1 })
            {
                biases.Add(new BiasPlan(node.Inputs[b], node, b, node.Inputs[0], weight));
            }

            switch (rule.Output)
            {
                case OutputQuantization.Own:
                    // A float op reading the result would only pay for a Q/DQ; int8 kernels need it.
                    if (rule.ComputesInInt8 || !graph.IsGraphOutput(node.Outputs[0]))
                        Calibrate(node.Outputs[0]);
                    break;
                case OutputQuantization.FollowInput:
                    foreach (string output in node.Outputs.Where(o => o.Length > 0))
                        if (!IsQuantized(output))
                            follows[output] = node.Inputs[0];
                    break;
            }
        }
        return new QuantizationPlan(calibrated, follows, constants, weights, biases, floatNodes);
    }

    private static int? ChannelAxis(Node node, TensorProto weight)
    {
        if (node.OpType == "ConvTranspose" && node.GetInt("group", 1) != 1)
            return null; // axis 1 spans only Cout/group channels per group; per-tensor is the safe choice
        if (node.OpType == "MatMul")
            return weight.Dims.Count >= 2 ? weight.Dims.Count - 1 : null;
        return OpRules.WeightChannelAxis(node);
    }

    private static bool AllFloat(OnnxGraph graph, Node node, OpRule rule, Func<string, bool>? isFloat)
    {
        var activations = (rule.ActivationInputs ?? Enumerable.Range(0, node.Inputs.Count))
            .Where(i => i < node.Inputs.Count && node.Inputs[i].Length > 0 && graph.Initializer(node.Inputs[i]) is null)
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
