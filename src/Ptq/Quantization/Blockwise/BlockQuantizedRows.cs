namespace Ptq.Quantization.Blockwise;

/// <summary>
/// A matrix of <see cref="Rows"/> × <see cref="Length"/> float values quantized in blocks along each row
/// (<see cref="BlockScheme"/>). For a MatMul weight W[K, N] a row is one output column (length K); for an embedding
/// table E[V, D] a row is one token's vector (length D). Codes are kept unpacked, one byte each, the last block of a
/// row padded with its zero point.
/// </summary>
internal sealed class BlockQuantizedRows
{
    public BlockQuantizedRows(BlockScheme scheme, int rows, int length, byte[] codes, float[] scales, float[]? zeroPoints)
    {
        Scheme = scheme;
        Rows = rows;
        Length = length;
        BlockCount = scheme.BlockCount(length);
        if (codes.Length != (long)rows * BlockCount * scheme.BlockSize || scales.Length != rows * BlockCount || (zeroPoints is not null && zeroPoints.Length != scales.Length))
            throw new ArgumentException($"block quantization of {rows}×{length} in blocks of {scheme.BlockSize}: {codes.Length} codes, {scales.Length} scales");
        Codes = codes;
        Scales = scales;
        ZeroPoints = zeroPoints;
    }

    public BlockScheme Scheme { get; }

    public int Rows { get; }

    public int Length { get; }

    public int BlockCount { get; }

    /// <summary>Codes, row-major [Rows, BlockCount · BlockSize].</summary>
    public byte[] Codes { get; }

    /// <summary>Scale per block, row-major [Rows, BlockCount]; negative for a symmetric block whose extreme is positive.</summary>
    public float[] Scales { get; }

    /// <summary>Zero point per block, [Rows, BlockCount]; null when symmetric (<see cref="BlockScheme.MidCode"/>).</summary>
    public float[]? ZeroPoints { get; }

    /// <summary>True when some zero point is not an integer (HQQ), so it must be stored as float.</summary>
    public bool FractionalZeroPoints => ZeroPoints is { } z && z.Any(v => v != MathF.Round(v));

    /// <summary>The value code <paramref name="index"/> of <paramref name="row"/> stands for.</summary>
    public float Dequantized(int row, int index)
    {
        int block = row * BlockCount + index / Scheme.BlockSize;
        float zero = ZeroPoints?[block] ?? Scheme.MidCode;
        return (Codes[(long)row * BlockCount * Scheme.BlockSize + index] - zero) * Scales[block];
    }

    /// <summary>The whole matrix dequantized, row-major [Rows, Length].</summary>
    public float[] Dequantize()
    {
        var values = new float[(long)Rows * Length];
        for (int r = 0; r < Rows; r++)
            for (int i = 0; i < Length; i++)
                values[(long)r * Length + i] = Dequantized(r, i);
        return values;
    }
}
