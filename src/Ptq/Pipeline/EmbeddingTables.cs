using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Pipeline;

/// <summary>
/// Finds a language model's embedding tables: every Gather that looks up rows of a constant 2-D float table, and every
/// MatMul/Gemm whose weight is such a table (transposed for MatMul, or Gemm with transB), i.e. an output projection tied
/// to the input embedding. Exporters write a tied table twice (the table and its transpose), so equality is decided by
/// content: the SHA-256 of the values read as rows [V, D].
/// </summary>
internal static class EmbeddingTables
{
    /// <summary>The Gather nodes reading a constant table, and the MatMul/Gemm nodes tied to one (by name).</summary>
    public static (IReadOnlyList<string> Gathers, IReadOnlySet<string> TiedProjections) Find(OnnxGraph graph, ExternalDataReader? external)
    {
        var tables = new Dictionary<(long Rows, long Length), HashSet<string>>();
        var gathers = new List<string>();
        var tied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && n.OpType == "Gather" && n.GetInt("axis", 0) == 0 && n.Inputs.Count == 2 && !graph.IsInitializer(n.Inputs[1])))
        {
            if (graph.Initializer(node.Inputs[0]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 2 } table)
                continue;
            gathers.Add(node.Name);
            var key = (table.Dims[0], table.Dims[1]);
            if (!tables.TryGetValue(key, out var hashes))
                tables[key] = hashes = new HashSet<string>(StringComparer.Ordinal);
            hashes.Add(Hash(TensorData.ToFloats(table, external)));
        }
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && n.OpType is "MatMul" or "Gemm" && n.Inputs.Count >= 2))
        {
            if (graph.Initializer(node.Inputs[1]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 2 } weight)
                continue;
            // As rows of the reduced axis: [N, K] for MatMul's [K, N], Gemm with transB as stored.
            bool stored = node.OpType == "Gemm" && node.GetInt("transB", 0) != 0;
            var key = stored ? (weight.Dims[0], weight.Dims[1]) : (weight.Dims[1], weight.Dims[0]);
            if (!tables.TryGetValue(key, out var hashes))
                continue;
            if (hashes.Contains(Hash(stored ? TensorData.ToFloats(weight, external) : TensorData.ToFloatsTransposed(weight, external))))
                tied.Add(node.Name);
        }
        return (gathers, tied);
    }

    private static string Hash(float[] values) => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));
}
