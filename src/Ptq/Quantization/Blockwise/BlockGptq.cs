using System.Numerics.Tensors;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Quantization.Blockwise;

/// <summary>
/// GPTQ for block-wise weights (MatMulNBits): the error compensation of <see cref="GptqKernel"/> (rounding input column
/// i moves the columns not yet rounded by <c>−(w_i − ŵ_i) / U[i,i] · U[i, i+1..]</c>, with <c>H⁻¹ = Uᵀ·U</c> from the
/// layer inputs), where each block's scale and zero point are its round-to-nearest ones (<see cref="RtnBlock"/>) taken
/// when the block is reached, from the weights as earlier columns left them (GPTQ's group-wise grids). With act-order
/// (columns by decreasing input energy) blocks are visited out of order, so their grids are fixed up front from the
/// original weights (static groups), which keeps the MatMulNBits layout (no g_idx). Rows run in parallel; deterministic.
/// </summary>
internal static class BlockGptq
{
    /// <summary>
    /// Quantizes <paramref name="rows"/> × <paramref name="length"/> weights (row-major, a row is one output column over
    /// the K inputs; not modified) with the factor of their inputs' Hessian (<see cref="GptqKernel.Factor"/>, K columns).
    /// </summary>
    public static BlockQuantizedRows Quantize(float[] values, int rows, int length, BlockScheme scheme, GptqFactor factor, string tensor)
    {
        scheme.Validate();
        if ((long)rows * length != values.Length || factor.Columns != length)
            throw new ArgumentException($"GPTQ of {rows}×{length} block-wise weights: {values.Length} values, a factor of {factor.Columns} columns");
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new PtqException($"weight '{tensor}' holds {values[bad]} at element {bad}: only finite weights can be quantized");
        var (order, u) = (factor.Order, factor.Upper);
        bool staticGroups = order.Where((c, i) => c != i).Any();
        int blocks = scheme.BlockCount(length), padded = blocks * scheme.BlockSize;
        var codes = new byte[(long)rows * padded];
        var scales = new float[rows * blocks];
        var zeros = new float[rows * blocks];
        Parallel.For(0, rows, r =>
        {
            var original = values.AsSpan(r * length, length);
            var w = new float[length]; // in rounding order
            for (int i = 0; i < length; i++)
                w[i] = original[order[i]];
            if (staticGroups)
                for (int b = 0; b < blocks; b++)
                    (scales[r * blocks + b], zeros[r * blocks + b]) = RtnBlock.Parameters(original.Slice(b * scheme.BlockSize, Math.Min(scheme.BlockSize, length - b * scheme.BlockSize)), scheme);
            var rowCodes = codes.AsSpan((int)((long)r * padded), padded);
            for (int i = 0; i < length; i++)
            {
                int column = order[i], block = column / scheme.BlockSize;
                // Without act-order the order is the identity: a block's values sit at w[column..] as earlier columns left them.
                if (!staticGroups && column % scheme.BlockSize == 0)
                    (scales[r * blocks + block], zeros[r * blocks + block]) = RtnBlock.Parameters(w.AsSpan(column, Math.Min(scheme.BlockSize, length - column)), scheme);
                float scale = scales[r * blocks + block], zero = zeros[r * blocks + block];
                byte code = (byte)Math.Clamp(MathF.Round(w[i] / scale + zero, MidpointRounding.ToEven), 0, scheme.MaxCode);
                rowCodes[column] = code;
                float error = (w[i] - (code - zero) * scale) / u[i * length + i];
                if (error != 0 && i + 1 < length)
                    TensorPrimitives.MultiplyAdd(u.AsSpan(i * length + i + 1, length - i - 1), -error, w.AsSpan(i + 1), w.AsSpan(i + 1));
            }
            for (int b = 0; b < blocks; b++)
            {
                int end = Math.Min(length, (b + 1) * scheme.BlockSize);
                rowCodes[end..((b + 1) * scheme.BlockSize)].Fill((byte)Math.Clamp(MathF.Round(zeros[r * blocks + b], MidpointRounding.ToEven), 0, scheme.MaxCode));
            }
        });
        return new BlockQuantizedRows(scheme, rows, length, codes, scales, scheme.Symmetric ? null : zeros);
    }
}
