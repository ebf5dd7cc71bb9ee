namespace Ptq.Quantization.Blockwise;

/// <summary>
/// How the rows of a weight matrix are quantized in blocks (ONNX Runtime's MatMulNBits / GatherBlockQuantized layout):
/// each run of <see cref="BlockSize"/> consecutive values of a row has its own scale, and its own zero point when
/// asymmetric; codes are unsigned <see cref="Bits"/>-bit integers, <c>value = (code − zero) · scale</c>.
/// </summary>
/// <param name="Bits">Code width: 2, 4 or 8.</param>
/// <param name="BlockSize">Values per block: a power of two, at least 16 (ONNX Runtime's requirement).</param>
/// <param name="Symmetric">
/// True: the zero point is fixed at 2^(bits−1) (ORT's default when the model stores none), and the value of largest
/// magnitude in the block lands exactly on the most negative code (the scale takes its sign), so a block uses all
/// 2^bits codes. False: a zero point per block.
/// </param>
internal readonly record struct BlockScheme(int Bits, int BlockSize, bool Symmetric)
{
    /// <summary>The largest code, 2^bits − 1.</summary>
    public int MaxCode => (1 << Bits) - 1;

    /// <summary>The implied zero point of symmetric blocks, 2^(bits−1).</summary>
    public int MidCode => 1 << (Bits - 1);

    /// <summary>Blocks per row of <paramref name="length"/> values (the last one padded).</summary>
    public int BlockCount(int length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>Throws <see cref="PtqException"/> for a bit width or block size ONNX Runtime cannot run.</summary>
    public BlockScheme Validate()
    {
        if (Bits is not (2 or 4 or 8))
            throw new PtqException($"block-wise weights of {Bits} bits: ONNX Runtime's MatMulNBits takes 2, 4 or 8");
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0)
            throw new PtqException($"block size {BlockSize}: ONNX Runtime needs a power of two, at least 16 (e.g. 32, 64, 128)");
        return this;
    }
}
