namespace Ptq.Quantization.Blockwise;

/// <summary>
/// AWQ's clip search for block-wise weights: each block's range is shrunk by the ratio (1, 0.95, …, 0.5) whose
/// round-to-nearest codes give the least output error of that block, <c>dᵀ·H_bb·d</c> with d the block's rounding error
/// and H_bb the block's part of the inputs' Gram matrix (the block's own contribution to the output, as AWQ measures it
/// per group). Ratio 1 is plain round to nearest, so no block gets worse on the samples. Rows run in parallel.
/// </summary>
internal static class BlockClipSearch
{
    private static readonly float[] Ratios = [.. Enumerable.Range(0, 11).Select(i => 1f - 0.05f * i)];

    /// <summary>Quantizes <paramref name="rows"/> × <paramref name="length"/> weights (row-major, not modified) against the length × length Gram matrix <paramref name="hessian"/>.</summary>
    public static BlockQuantizedRows Quantize(float[] values, int rows, int length, BlockScheme scheme, double[] hessian, string tensor)
    {
        scheme.Validate();
        if ((long)rows * length != values.Length || hessian.Length != (long)length * length)
            throw new ArgumentException($"clip search of {rows}×{length} block-wise weights: {values.Length} values, a Gram matrix of {hessian.Length}");
        BlockQuantizer.RequireFinite(values, tensor);
        int blocks = scheme.BlockCount(length), padded = blocks * scheme.BlockSize;
        var codes = new byte[(long)rows * padded];
        var scales = new float[rows * blocks];
        var zeros = new float[rows * blocks];
        Parallel.For(0, rows, r =>
        {
            var shrunk = new float[scheme.BlockSize];
            var trial = new byte[scheme.BlockSize];
            var error = new double[scheme.BlockSize];
            for (int b = 0; b < blocks; b++)
            {
                int start = b * scheme.BlockSize, count = Math.Min(scheme.BlockSize, length - start);
                var block = values.AsSpan(r * length + start, count);
                double best = double.PositiveInfinity;
                foreach (float ratio in Ratios)
                {
                    for (int i = 0; i < count; i++)
                        shrunk[i] = block[i] * ratio;
                    var (scale, zero) = RtnBlock.Parameters(shrunk.AsSpan(0, count), scheme);
                    RtnBlock.Encode(block, scale, zero, scheme.MaxCode, trial);
                    for (int i = 0; i < count; i++)
                        error[i] = (trial[i] - zero) * scale - block[i];
                    double loss = 0;
                    for (int i = 0; i < count; i++)
                    {
                        double sum = 0;
                        for (int j = 0; j < count; j++)
                            sum += hessian[(long)(start + i) * length + start + j] * error[j];
                        loss += error[i] * sum;
                    }
                    if (loss < best)
                    {
                        best = loss;
                        (scales[r * blocks + b], zeros[r * blocks + b]) = (scale, zero);
                        trial.AsSpan(0, scheme.BlockSize).CopyTo(codes.AsSpan((int)((long)r * padded + start), scheme.BlockSize));
                    }
                }
            }
        });
        return new BlockQuantizedRows(scheme, rows, length, codes, scales, scheme.Symmetric ? null : zeros);
    }
}
