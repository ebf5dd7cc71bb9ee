using Google.Protobuf;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Passes;

/// <summary>
/// Folds shape-only ops whose inputs are all constants (Identity, Reshape, Flatten, Squeeze, Unsqueeze, Transpose) into
/// new initializers. Exporters often feed a weight through such an op (MNIST's Reshape before MatMul); folded, the
/// weight is an initializer the quantizer can quantize per channel instead of an activation calibrated per tensor.
/// </summary>
internal static class ConstantFolding
{
    /// <summary>
    /// Folds every eligible node of <paramref name="graph"/> (opset ≥ 13 semantics); returns how many. With
    /// <paramref name="slicesAndConcats"/>, Slice (positive steps) and Concat of constants fold too: exporters build LSTM
    /// weights that way inside If branches (Silero VAD's gate reordering), and folded they are weights dynamic mode quantizes
    /// (the dynamic quantizer folds bodies so).
    /// Reads initializers of enclosing graphs too when <paramref name="graph"/> is a body; folded values stay in it.
    /// </summary>
    public static int Apply(OnnxGraph graph, ExternalDataReader? external = null, bool slicesAndConcats = false)
    {
        int folded = 0;
        foreach (var node in graph.TopologicalOrder())
        {
            if (!node.IsStandard || node.Outputs.Count != 1 || graph.IsGraphOutput(node.Outputs[0]) || node.Inputs.Count == 0)
                continue;
            var inputs = node.Inputs.Select(i => i.Length == 0 ? null : graph.VisibleInitializer(i)).ToArray();
            if (inputs[0] is not { } data || node.Inputs.Skip(1).Where(i => i.Length > 0).Any(i => graph.VisibleInitializer(i) is null))
                continue;
            if (slicesAndConcats && node.OpType is "Slice" or "Concat" && data.DataType != (int)TensorProto.Types.DataType.String
                && (node.OpType == "Slice" ? FoldSlice(node, inputs, external) : FoldConcat(node, inputs, external)) is { } result)
            {
                graph.RemoveNode(node);
                graph.AddInitializer(result);
                folded++;
                continue;
            }
            long[] dims = [.. data.Dims];
            long[]? newDims = node.OpType switch
            {
                "Identity" => dims,
                "Reshape" when inputs.Length > 1 && inputs[1] is { } shape => ReshapeDims(dims, TensorData.ToInt64s(shape, external), node.GetInt("allowzero", 0) == 1),
                "Flatten" => FlattenDims(dims, (int)node.GetInt("axis", 1)),
                "Squeeze" => SqueezeDims(dims, inputs.Length > 1 && inputs[1] is { } axes ? TensorData.ToInt64s(axes, external) : null),
                "Unsqueeze" when inputs.Length > 1 && inputs[1] is { } axes => UnsqueezeDims(dims, TensorData.ToInt64s(axes, external)),
                "Transpose" => TransposeDims(dims, node.GetInts("perm")),
                _ => null,
            };
            if (newDims is null || data.DataType == (int)TensorProto.Types.DataType.String)
                continue;
            var raw = TensorData.GetRawBytes(data, external);
            if (node.OpType == "Transpose")
                raw = Transpose(raw, dims, node.GetInts("perm") ?? [.. Enumerable.Range(0, dims.Length).Reverse().Select(i => (long)i)],
                    OnnxDataType.ElementBits(data.DataType, data.Name) / 8);
            var tensor = new TensorProto { Name = node.Outputs[0], DataType = data.DataType, RawData = ByteString.CopyFrom(raw) };
            tensor.Dims.AddRange(newDims);
            graph.RemoveNode(node);
            graph.AddInitializer(tensor);
            folded++;
        }
        if (folded > 0)
            graph.RemoveUnusedInitializers();
        return folded;
    }

    private static TensorProto? FoldSlice(Node node, TensorProto?[] inputs, ExternalDataReader? external)
    {
        var data = inputs[0]!;
        if (inputs.Length < 3 || inputs[1] is not { } startsTensor || inputs[2] is not { } endsTensor)
            return null;
        long[] dims = [.. data.Dims];
        long[] starts = TensorData.ToInt64s(startsTensor, external), ends = TensorData.ToInt64s(endsTensor, external);
        long[] axes = inputs.Length > 3 && inputs[3] is { } a ? TensorData.ToInt64s(a, external) : [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        long[] steps = inputs.Length > 4 && inputs[4] is { } st ? TensorData.ToInt64s(st, external) : [.. Enumerable.Repeat(1L, starts.Length)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length || steps.Any(x => x != 1))
            return null;
        long[] begin = new long[dims.Length], size = [.. dims];
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = (int)(axes[i] < 0 ? axes[i] + dims.Length : axes[i]);
            if (axis < 0 || axis >= dims.Length)
                return null;
            long d = dims[axis];
            long from = Math.Clamp(starts[i] < 0 ? starts[i] + d : starts[i], 0, d), to = Math.Clamp(ends[i] < 0 ? ends[i] + d : ends[i], 0, d);
            begin[axis] = from;
            size[axis] = Math.Max(0, to - from);
        }
        int bytes = OnnxDataType.ElementBits(data.DataType, data.Name) / 8;
        if (bytes == 0)
            return null;
        var raw = TensorData.GetRawBytes(data, external);
        long count = size.Aggregate(1L, (x, y) => x * y);
        var result = new byte[count * bytes];
        var index = new long[dims.Length];
        for (long o = 0; o < count; o++)
        {
            long source = 0;
            for (int k = 0; k < dims.Length; k++)
                source = source * dims[k] + begin[k] + index[k];
            Array.Copy(raw, source * bytes, result, o * bytes, bytes);
            for (int k = dims.Length - 1; k >= 0 && ++index[k] == size[k]; k--)
                index[k] = 0;
        }
        var tensor = new TensorProto { Name = node.Outputs[0], DataType = data.DataType, RawData = ByteString.CopyFrom(result) };
        tensor.Dims.AddRange(size);
        return tensor;
    }

    private static TensorProto? FoldConcat(Node node, TensorProto?[] inputs, ExternalDataReader? external)
    {
        var first = inputs[0]!;
        int rank = first.Dims.Count;
        long axis = node.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank || inputs.Any(t => t is null || t.DataType != first.DataType || t.Dims.Count != rank
            || Enumerable.Range(0, rank).Any(k => k != axis && t.Dims[k] != first.Dims[k])))
            return null;
        int bytes = OnnxDataType.ElementBits(first.DataType, first.Name) / 8;
        if (bytes == 0)
            return null;
        long outer = first.Dims.Take((int)axis).Aggregate(1L, (x, y) => x * y), inner = first.Dims.Skip((int)axis + 1).Aggregate(1L, (x, y) => x * y);
        var raws = inputs.Select(t => TensorData.GetRawBytes(t!, external)).ToArray();
        using var stream = new MemoryStream();
        for (long o = 0; o < outer; o++)
            for (int i = 0; i < raws.Length; i++)
            {
                long block = inputs[i]!.Dims[(int)axis] * inner * bytes;
                stream.Write(raws[i], (int)(o * block), (int)block);
            }
        var tensor = new TensorProto { Name = node.Outputs[0], DataType = first.DataType, RawData = ByteString.CopyFrom(stream.ToArray()) };
        tensor.Dims.AddRange(first.Dims.Select((d, k) => k == axis ? inputs.Sum(t => t!.Dims[k]) : d));
        return tensor;
    }

    private static long[]? ReshapeDims(long[] dims, long[] shape, bool allowZero)
    {
        long total = dims.Aggregate(1L, (a, d) => a * d);
        var result = new long[shape.Length];
        int inferred = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (inferred >= 0) return null;
                inferred = i;
                result[i] = 1;
            }
            else if (shape[i] == 0 && !allowZero)
            {
                if (i >= dims.Length) return null;
                result[i] = dims[i];
            }
            else result[i] = shape[i];
        }
        long known = result.Aggregate(1L, (a, d) => a * d);
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0) return null;
            result[inferred] = total / known;
        }
        return result.Aggregate(1L, (a, d) => a * d) == total ? result : null;
    }

    private static long[]? FlattenDims(long[] dims, int axis)
    {
        if (axis < 0) axis += dims.Length;
        if (axis < 0 || axis > dims.Length) return null;
        return [dims.Take(axis).Aggregate(1L, (a, d) => a * d), dims.Skip(axis).Aggregate(1L, (a, d) => a * d)];
    }

    private static long[]? SqueezeDims(long[] dims, long[]? axes)
    {
        if (axes is null)
            return [.. dims.Where(d => d != 1)];
        var normalized = axes.Select(a => a < 0 ? a + dims.Length : a).ToHashSet();
        if (normalized.Any(a => a < 0 || a >= dims.Length || dims[a] != 1)) return null;
        return [.. dims.Where((_, i) => !normalized.Contains(i))];
    }

    private static long[]? UnsqueezeDims(long[] dims, long[] axes)
    {
        int rank = dims.Length + axes.Length;
        var normalized = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        if (normalized.Count != axes.Length || normalized.Any(a => a < 0 || a >= rank)) return null;
        var result = new long[rank];
        for (int i = 0, j = 0; i < rank; i++)
            result[i] = normalized.Contains(i) ? 1 : dims[j++];
        return result;
    }

    private static long[]? TransposeDims(long[] dims, long[]? perm)
    {
        perm ??= [.. Enumerable.Range(0, dims.Length).Reverse().Select(i => (long)i)];
        if (perm.Length != dims.Length || perm.Distinct().Count() != perm.Length || perm.Any(p => p < 0 || p >= dims.Length)) return null;
        if (dims.Any(d => d == 0) || OnnxTransposeUnsupported(dims)) return null;
        return [.. perm.Select(p => dims[p])];
    }

    private static bool OnnxTransposeUnsupported(long[] dims) => dims.Aggregate(1L, (a, d) => a * d) > int.MaxValue;

    private static byte[] Transpose(byte[] raw, long[] dims, long[] perm, int elementBytes)
    {
        if (elementBytes == 0)
            throw new PtqException("cannot transpose a 4-bit constant tensor");
        int rank = dims.Length;
        var inStrides = new long[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) { inStrides[d] = s; s *= (int)dims[d]; }
        var outDims = perm.Select(p => dims[p]).ToArray();
        var result = new byte[raw.Length];
        long count = raw.Length / elementBytes;
        var index = new long[rank];
        for (long o = 0; o < count; o++)
        {
            long source = 0;
            for (int d = 0; d < rank; d++)
                source += index[d] * inStrides[perm[d]];
            Buffer.BlockCopy(raw, (int)(source * elementBytes), result, (int)(o * elementBytes), elementBytes);
            for (int d = rank - 1; d >= 0 && ++index[d] == outDims[d]; d--)
                index[d] = 0;
        }
        return result;
    }
}
