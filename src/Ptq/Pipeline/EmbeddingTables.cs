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
            hashes.Add(HashRows(table, external));
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
            if (hashes.Contains(stored ? HashRows(weight, external) : Hash(TensorData.ToFloatsTransposed(weight, external))))
                tied.Add(node.Name);
        }
        return (gathers, tied);
    }

    /// <summary>The hash of a table's values as stored, read in slices of about 4 MB (a table can be the largest tensor of the model).</summary>
    private static string HashRows(TensorProto table, ExternalDataReader? external)
    {
        if (table.DataType != (int)TensorProto.Types.DataType.Float)
            return Hash(TensorData.ToFloats(table, external));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long count = TensorData.ElementCount(table);
        var slice = new float[(int)Math.Min(count, 1 << 20)];
        for (long start = 0; start < count; start += slice.Length)
        {
            var part = slice.AsSpan(0, (int)Math.Min(slice.Length, count - start));
            TensorData.ReadFloatRows(table, start, part, external);
            hash.AppendData(MemoryMarshal.AsBytes(part));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static string Hash(float[] values) => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));
}
