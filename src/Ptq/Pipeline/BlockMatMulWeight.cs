using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Pipeline;

/// <summary>
/// The constant weight of a MatMul (or Gemm without transA/alpha/beta) as MatMulNBits reads it: rows of K values, one per
/// output column, and the Gemm bias when there is one.
/// </summary>
internal sealed record BlockMatMulWeight(string Name, float[] Rows, int K, int N, float[]? Bias)
{
    /// <summary>The weight of <paramref name="node"/>, or null when it has no constant 2-D float weight it can be read from.</summary>
    public static BlockMatMulWeight? Read(OnnxGraph graph, Node node, ExternalDataReader? external)
    {
        if (node.Inputs.Count < 2 || graph.IsInitializer(node.Inputs[0])
            || graph.Initializer(node.Inputs[1]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 2 } tensor)
            return null;
        long rows = tensor.Dims[0], cols = tensor.Dims[1];
        if (node.OpType == "MatMul")
            return new BlockMatMulWeight(tensor.Name, TensorData.ToFloatsTransposed(tensor, external), checked((int)rows), checked((int)cols), null);
        if (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1f) != 1f || node.GetFloat("beta", 1f) != 1f)
            return null;
        bool transB = node.GetInt("transB", 0) != 0;
        int k = checked((int)(transB ? cols : rows)), n = checked((int)(transB ? rows : cols));
        float[]? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (graph.Initializer(node.Inputs[2]) is not { } c)
                return null;
            float[] b = TensorData.ToFloats(c, external);
            bias = b.Length == n ? b : b.Length == 1 ? Enumerable.Repeat(b[0], n).ToArray() : null;
            if (bias is null)
                return null;
        }
        return new BlockMatMulWeight(tensor.Name, transB ? TensorData.ToFloats(tensor, external) : TensorData.ToFloatsTransposed(tensor, external), k, n, bias);
    }

    /// <summary>
    /// An initializer named like the weight holding <paramref name="rows"/> (N × K, e.g. dequantized codes) in the layout
    /// <paramref name="node"/> reads: [K, N] for MatMul and Gemm, [N, K] for Gemm with transB.
    /// </summary>
    public TensorProto InLayoutOf(Node node, float[] rows) =>
        node.OpType == "Gemm" && node.GetInt("transB", 0) != 0
            ? TensorData.FromFloats(Name, [N, K], rows)
            : TensorData.FromFloats(Name, [K, N], Transpose(rows, N, K));

    /// <summary>The <paramref name="cols"/> × <paramref name="rows"/> transpose of a row-major matrix.</summary>
    internal static float[] Transpose(float[] values, long rows, long cols)
    {
        var t = new float[values.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                t[c * rows + r] = values[r * cols + c];
        return t;
    }
}
