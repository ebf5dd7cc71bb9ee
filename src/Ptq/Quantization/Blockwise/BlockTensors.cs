using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Quantization.Blockwise;

/// <summary>
/// The initializers ONNX Runtime's block-quantized operators read (com.microsoft MatMulNBits and GatherBlockQuantized):
/// codes packed into bytes low bits first (two 4-bit codes per byte, the even one in the low nibble), a float scale per
/// block, and zero points either packed like the codes (integer zero points) or as floats (HQQ's fractional ones,
/// MatMulNBits only); symmetric blocks store no zero points (ORT assumes 2^(bits−1)).
/// </summary>
internal static class BlockTensors
{
    /// <summary>MatMulNBits' B: [rows, blocks, blockSize · bits / 8] bytes, each row's codes in order.</summary>
    public static TensorProto PackedCodes(string name, BlockQuantizedRows q) =>
        TensorData.FromRaw(name, TensorProto.Types.DataType.Uint8, [q.Rows, q.BlockCount, q.Scheme.BlockSize * q.Scheme.Bits / 8], Pack(q.Codes, q.Scheme.Bits));

    /// <summary>GatherBlockQuantized's data: [rows, length · bits / 8] bytes (the row's codes without the padding of its last block).</summary>
    public static TensorProto PackedRows(string name, BlockQuantizedRows q)
    {
        int perByte = 8 / q.Scheme.Bits, padded = q.BlockCount * q.Scheme.BlockSize;
        if (q.Length % perByte != 0)
            throw new ArgumentException($"rows of {q.Length} {q.Scheme.Bits}-bit codes do not fill whole bytes");
        var codes = new byte[(long)q.Rows * q.Length];
        for (int r = 0; r < q.Rows; r++)
            Array.Copy(q.Codes, (long)r * padded, codes, (long)r * q.Length, q.Length);
        return TensorData.FromRaw(name, TensorProto.Types.DataType.Uint8, [q.Rows, q.Length / perByte], Pack(codes, q.Scheme.Bits));
    }

    /// <summary>Scales, [rows, blocks] (or <paramref name="dims"/> when given, e.g. [rows, blocks, 1]).</summary>
    public static TensorProto Scales(string name, BlockQuantizedRows q, long[]? dims = null) =>
        TensorData.FromFloats(name, dims ?? [q.Rows, q.BlockCount], q.Scales);

    /// <summary>
    /// Integer zero points packed like codes, [rows, ⌈blocks · bits / 8⌉]; with <paramref name="onePerByte"/>,
    /// [rows, blocks, 1] with one zero point in the low bits of each byte (GatherBlockQuantized over [rows, blocks, bytes]).
    /// </summary>
    public static TensorProto PackedZeroPoints(string name, BlockQuantizedRows q, bool onePerByte = false)
    {
        float[] zeros = q.ZeroPoints ?? throw new InvalidOperationException("symmetric blocks have no zero points");
        if (q.FractionalZeroPoints)
            throw new InvalidOperationException("fractional zero points are stored as floats");
        if (onePerByte)
            return TensorData.FromRaw(name, TensorProto.Types.DataType.Uint8, [q.Rows, q.BlockCount, 1], [.. zeros.Select(z => (byte)z)]);
        int bits = q.Scheme.Bits, perByte = 8 / bits, rowBytes = (q.BlockCount + perByte - 1) / perByte;
        var raw = new byte[q.Rows * rowBytes];
        for (int r = 0; r < q.Rows; r++)
            for (int b = 0; b < q.BlockCount; b++)
                raw[r * rowBytes + b / perByte] |= (byte)((int)zeros[r * q.BlockCount + b] << (b % perByte * bits));
        return TensorData.FromRaw(name, TensorProto.Types.DataType.Uint8, [q.Rows, rowBytes], raw);
    }

    /// <summary>Zero points as floats, [rows, blocks] (MatMulNBits accepts them in the scales' type).</summary>
    public static TensorProto FloatZeroPoints(string name, BlockQuantizedRows q) =>
        TensorData.FromFloats(name, [q.Rows, q.BlockCount], q.ZeroPoints ?? throw new InvalidOperationException("symmetric blocks have no zero points"));

    /// <summary>
    /// The float weight W[K, N] (row-major) that the MatMulNBits <paramref name="node"/> of <paramref name="graph"/>
    /// multiplies by, decoded from its packed codes, block scales and zero points (packed integers, floats, or none for
    /// symmetric blocks, which ONNX Runtime centres on 2^(bits−1)); null when an input is not a constant.
    /// </summary>
    public static float[]? DequantizeMatMulNBits(Node node, OnnxGraph graph, ExternalDataReader? external)
    {
        int k = checked((int)node.GetInt("K", 0)), n = checked((int)node.GetInt("N", 0)), bits = (int)node.GetInt("bits", 4);
        int blockSize = (int)node.GetInt("block_size", 0);
        if (k <= 0 || n <= 0 || bits is not (2 or 4 or 8) || blockSize <= 0 || node.Inputs.Count < 3
            || graph.Initializer(node.Inputs[1]) is not { } packed || graph.Initializer(node.Inputs[2]) is not { } scaleTensor)
            return null;
        string zeroName = node.Inputs.Count > 3 ? node.Inputs[3] : "";
        var zeroTensor = zeroName.Length > 0 ? graph.Initializer(zeroName) : null;
        if (zeroName.Length > 0 && zeroTensor is null)
            return null;
        int blocks = (k + blockSize - 1) / blockSize, perByte = 8 / bits, mask = (1 << bits) - 1;
        var bytes = TensorData.ToFloats(packed, external);
        var scales = TensorData.ToFloats(scaleTensor, external);
        var zeros = zeroTensor is null ? null : TensorData.ToFloats(zeroTensor, external);
        bool packedZeros = zeroTensor is { DataType: (int)TensorProto.Types.DataType.Uint8 };
        int zeroRowBytes = (blocks + perByte - 1) / perByte, rowCodes = blocks * blockSize;
        if (bytes.Length != (long)n * rowCodes / perByte || scales.Length != n * blocks)
            return null;
        int Code(long index) => ((int)bytes[index / perByte] >> (int)(index % perByte * bits)) & mask;
        float Zero(int row, int block) => zeros is null ? 1 << (bits - 1)
            : packedZeros ? ((int)zeros[row * zeroRowBytes + block / perByte] >> (block % perByte * bits)) & mask
            : zeros[row * blocks + block];
        var weights = new float[(long)k * n];
        for (int row = 0; row < n; row++)
            for (int i = 0; i < k; i++)
            {
                int block = i / blockSize;
                weights[(long)i * n + row] = (Code((long)row * rowCodes + i) - Zero(row, block)) * scales[row * blocks + block];
            }
        return weights;
    }

    private static byte[] Pack(byte[] codes, int bits)
    {
        if (bits == 8)
            return codes;
        int perByte = 8 / bits;
        var raw = new byte[codes.Length / perByte];
        for (long i = 0; i < codes.Length; i++)
            raw[i / perByte] |= (byte)(codes[i] << (int)(i % perByte * bits));
        return raw;
    }
}
