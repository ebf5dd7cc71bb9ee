namespace Ptq.Quantization.Blockwise;

/// <summary>Quantizes the rows of a matrix block by block (<see cref="BlockScheme"/>) with RTN or HQQ (data-free; GPTQ is <see cref="BlockGptq"/>); rows run in parallel.</summary>
internal static class BlockQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="rows"/> × <paramref name="length"/> values given row-major in <paramref name="values"/>.
    /// Throws <see cref="PtqException"/> for non-finite values, naming <paramref name="tensor"/>.
    /// </summary>
    public static BlockQuantizedRows Quantize(float[] values, int rows, int length, BlockScheme scheme, BlockMethod method, string tensor)
    {
        scheme.Validate();
        if ((long)rows * length != values.Length)
            throw new ArgumentException($"{values.Length} values are not {rows}×{length}", nameof(values));
        RequireFinite(values, tensor);
        int blocks = scheme.BlockCount(length), padded = blocks * scheme.BlockSize;
        var codes = new byte[(long)rows * padded];
        var scales = new float[rows * blocks];
        float[]? zeros = scheme.Symmetric ? null : new float[rows * blocks];
        Parallel.For(0, rows, r =>
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = b * scheme.BlockSize, count = Math.Min(scheme.BlockSize, length - start);
                var block = values.AsSpan((int)((long)r * length + start), count);
                var target = codes.AsSpan((int)((long)r * padded + start), scheme.BlockSize);
                var (scale, zero) = method == BlockMethod.Hqq ? HqqBlock.Quantize(block, scheme, target) : RtnBlock.Quantize(block, scheme, target);
                scales[r * blocks + b] = scale;
                if (zeros is not null)
                    zeros[r * blocks + b] = zero;
            }
        });
        return new BlockQuantizedRows(scheme, rows, length, codes, scales, zeros);
    }

    /// <summary>Throws <see cref="PtqException"/> naming <paramref name="tensor"/> and the first non-finite value.</summary>
    internal static void RequireFinite(float[] values, string tensor)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new PtqException($"weight '{tensor}' holds {values[bad]} at element {bad}: only finite weights can be quantized");
    }
}
