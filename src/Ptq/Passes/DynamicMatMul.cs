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
        if (node.Inputs.Count < 2 || graph.Initializer(node.Inputs[1]) is not { DataType: (int)TensorProto.Types.DataType.Float } tensor || tensor.Dims.Count != 2)
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
            if (graph.Initializer(node.Inputs[2]) is not { } b)
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

    /// <summary>Replaces <paramref name="node"/> by DynamicQuantizeLinear → MatMulInteger → Cast → Mul → Mul [→ Add].</summary>
    public static QuantizedTensorRecord Rewrite(OnnxGraph graph, Node node, Weight weight, QuantScheme scheme, bool perColumn)
    {
        var quantized = WeightQuantizer.MinMax(weight.Name, weight.Values, [weight.K, weight.N], scheme, perColumn ? 1 : null);
        string prefix = node.DisplayName;
        string wq = graph.UniqueName(weight.Name + "_quantized");
        graph.AddInitializer(QuantizedTensors.Create(wq, TensorProto.Types.DataType.Int8, [weight.K, weight.N], quantized.Codes));
        string wzp = graph.UniqueName(weight.Name + "_zero_point");
        graph.AddInitializer(QuantizedTensors.Create(wzp, TensorProto.Types.DataType.Int8, perColumn ? [weight.N] : [], new int[perColumn ? weight.N : 1]));
        string wscale = graph.UniqueName(weight.Name + "_scale");
        graph.AddInitializer(TensorData.FromFloats(wscale, perColumn ? [weight.N] : [], quantized.Parameters.Scales));

        string output = node.Outputs[0];
        string x = node.Inputs[0];
        string xq = graph.UniqueName(prefix + "_input_quantized"), xs = graph.UniqueName(prefix + "_input_scale"), xz = graph.UniqueName(prefix + "_input_zero_point");
        string acc = graph.UniqueName(prefix + "_int32"), accf = graph.UniqueName(prefix + "_accumulator"), scaled = graph.UniqueName(prefix + "_scaled_by_input");
        string product = weight.Bias is null ? graph.UniqueName(prefix + "_output") : graph.UniqueName(prefix + "_product");
        graph.RemoveNode(node);
        graph.AddNode("DynamicQuantizeLinear", [x], [xq, xs, xz], name: graph.UniqueName(prefix + "_DynamicQuantizeLinear"));
        graph.AddNode("MatMulInteger", [xq, wq, xz, wzp], [acc], name: graph.UniqueName(prefix + "_MatMulInteger"));
        graph.AddNode("Cast", [acc], [accf], name: graph.UniqueName(prefix + "_Cast"), attributes: [Node.IntAttribute("to", (int)TensorProto.Types.DataType.Float)]);
        graph.AddNode("Mul", [accf, xs], [scaled], name: graph.UniqueName(prefix + "_MulInputScale"));
        graph.AddNode("Mul", [scaled, wscale], [weight.Bias is null ? output : product], name: graph.UniqueName(prefix + "_MulWeightScale"));
        if (weight.Bias is { } bias)
        {
            string b = graph.UniqueName(prefix + "_bias");
            graph.AddInitializer(TensorData.FromFloats(b, [bias.Length], bias));
            graph.AddNode("Add", [product, b], [output], name: graph.UniqueName(prefix + "_AddBias"));
        }
        return new QuantizedTensorRecord(prefix, node.OpType, weight.Name, "Weight", [weight.K, weight.N], quantized.Parameters);
    }
}
