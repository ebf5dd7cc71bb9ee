using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Quantization;

namespace Ptq.Passes;

/// <summary>Rewrites one MatMul/Gemm with a constant weight into the dynamic-quantization pattern ORT fuses.</summary>
internal static class DynamicMatMul
{
    /// <summary>The weight as a [K, N] matrix (Gemm's transB undone), its bias, and its name; null when the node does not qualify.</summary>
    public sealed record Weight(string Name, float[] Values, long K, long N, float[]? Bias);

    public static Weight? WeightOf(OnnxGraph graph, Node node, ExternalDataReader? external)
    {
        if (node.Inputs.Count < 2 || graph.VisibleInitializer(node.Inputs[1]) is not { DataType: (int)TensorProto.Types.DataType.Float } tensor || tensor.Dims.Count != 2)
            return null;
        var values = TensorData.ToFloats(tensor, external);
        long rows = tensor.Dims[0], cols = tensor.Dims[1];
        if (node.OpType == "MatMul")
            return new Weight(tensor.Name, values, rows, cols, null);
        if (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1f) != 1f || node.GetFloat("beta", 1f) != 1f)
            return null;
        float[]? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (graph.VisibleInitializer(node.Inputs[2]) is not { } b)
                return null;
            bias = TensorData.ToFloats(b, external);
        }
        if (node.GetInt("transB", 0) == 0)
            return bias is null || bias.Length == cols ? new Weight(tensor.Name, values, rows, cols, bias) : null;
        var transposed = new float[values.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                transposed[c * rows + r] = values[r * cols + c];
        return bias is null || bias.Length == rows ? new Weight(tensor.Name, transposed, cols, rows, bias) : null;
    }

    /// <summary>
    /// The Add that adds a constant bias of N values ([N] or [1, …, 1, N]) to a MatMul's output, when it is the output's
    /// only reader; its bias then goes into the dynamic pattern, where ONNX Runtime fuses it too. Null otherwise.
    /// </summary>
    public static (Node Add, float[] Bias)? FollowingBias(OnnxGraph graph, Node matMul, long n, ExternalDataReader? external)
    {
        if (matMul.OpType != "MatMul" || graph.IsGraphOutput(matMul.Outputs[0]) || graph.Consumers(matMul.Outputs[0]) is not [({ OpType: "Add", IsStandard: true } add, var at)])
            return null;
        if (add.Inputs.Count != 2 || graph.VisibleInitializer(add.Inputs[1 - at]) is not { DataType: (int)TensorProto.Types.DataType.Float } bias
            || bias.Dims.Count == 0 || bias.Dims[^1] != n || bias.Dims.Take(bias.Dims.Count - 1).Any(d => d != 1))
            return null;
        return (add, TensorData.ToFloats(bias, external));
    }

    /// <summary>
    /// Replaces <paramref name="node"/> (and <paramref name="biasAdd"/>, whose bias <paramref name="weight"/> then carries)
    /// by DynamicQuantizeLinear → MatMulInteger → Cast → Mul(·, input scale × weight scale) [→ Add].
    /// </summary>
    public static QuantizedTensorRecord Rewrite(OnnxGraph graph, Node node, Weight weight, QuantScheme scheme, bool perColumn, Node? biasAdd = null)
    {
        var quantized = WeightQuantizer.MinMax(weight.Name, weight.Values, [weight.K, weight.N], scheme, perColumn ? 1 : null);
        string prefix = node.DisplayName;
        var storage = scheme.ActivationStorageType; // INT8, or UINT8 for asym_u: MatMulInteger's 8-bit types
        string wq = graph.UniqueName(weight.Name + "_quantized");
        graph.AddInitializer(QuantizedTensors.Create(wq, storage, [weight.K, weight.N], quantized.Codes));
        string wzp = graph.UniqueName(weight.Name + "_zero_point");
        graph.AddInitializer(QuantizedTensors.Create(wzp, storage, perColumn ? [weight.N] : [], quantized.Parameters.ZeroPoints));
        string wscale = graph.UniqueName(weight.Name + "_scale");
        graph.AddInitializer(TensorData.FromFloats(wscale, perColumn ? [weight.N] : [], quantized.Parameters.Scales));

        string output = biasAdd?.Outputs[0] ?? node.Outputs[0];
        string x = node.Inputs[0];
        string xq = graph.UniqueName(prefix + "_input_quantized"), xs = graph.UniqueName(prefix + "_input_scale"), xz = graph.UniqueName(prefix + "_input_zero_point");
        string acc = graph.UniqueName(prefix + "_int32"), accf = graph.UniqueName(prefix + "_accumulator"), scale = graph.UniqueName(prefix + "_output_scale");
        string product = weight.Bias is null ? output : graph.UniqueName(prefix + "_product");
        graph.RemoveNode(node);
        if (biasAdd is not null)
            graph.RemoveNode(biasAdd);
        // The exact shape ONNX Runtime's fusions expect (MatMulIntegerToFloatFusion, then DynamicQuantizeMatMulFusion):
        // Mul(Cast(MatMulInteger), Mul(input scale, weight scale)) [→ Add(bias)], the DynamicQuantizeLinear read only here.
        graph.AddNode("DynamicQuantizeLinear", [x], [xq, xs, xz], name: graph.UniqueName(prefix + "_DynamicQuantizeLinear"));
        graph.AddNode("MatMulInteger", [xq, wq, xz, wzp], [acc], name: graph.UniqueName(prefix + "_MatMulInteger"));
        graph.AddNode("Cast", [acc], [accf], name: graph.UniqueName(prefix + "_Cast"), attributes: [Node.IntAttribute("to", (int)TensorProto.Types.DataType.Float)]);
        graph.AddNode("Mul", [xs, wscale], [scale], name: graph.UniqueName(prefix + "_MulScales"));
        graph.AddNode("Mul", [accf, scale], [product], name: graph.UniqueName(prefix + "_MulOutputScale"));
        if (weight.Bias is { } bias)
        {
            string b = graph.UniqueName(prefix + "_bias");
            graph.AddInitializer(TensorData.FromFloats(b, [bias.Length], bias));
            graph.AddNode("Add", [product, b], [output], name: graph.UniqueName(prefix + "_AddBias"));
        }
        return new QuantizedTensorRecord(prefix, node.OpType, weight.Name, "Weight", [weight.K, weight.N], quantized.Parameters);
    }
}
