namespace Ptq.Quantization.Blockwise;

/// <summary>
/// Round-to-nearest parameters of one block, as ONNX Runtime's own block quantizer (MLAS) computes them.
/// Symmetric: with m the value of largest magnitude, <c>scale = m / −2^(bits−1)</c> (its sign follows m, so m lands on
/// code 0 exactly) and <c>code = clamp(round(v / scale) + 2^(bits−1), 0, 2^bits − 1)</c>. Asymmetric: the range
/// [min(v, 0), max(v, 0)], <c>scale = (max − min) / (2^bits − 1)</c>, <c>zero = clamp(round(−min / scale))</c>,
/// <c>code = clamp(round(v / scale) + zero)</c>. Rounding is half to even, as QuantizeLinear.
/// </summary>
internal static class RtnBlock
{
    /// <summary>Smallest scale magnitude: an all-zero block still gets a valid, non-zero scale.</summary>
    public const float MinScale = 1e-8f;

    /// <summary>Quantizes <paramref name="values"/> (at most one block) into <paramref name="codes"/>; returns scale and zero point.</summary>
    public static (float Scale, float Zero) Quantize(ReadOnlySpan<float> values, BlockScheme scheme, Span<byte> codes)
    {
        var (scale, zero) = Parameters(values, scheme);
        Encode(values, scale, zero, scheme.MaxCode, codes);
        return (scale, zero);
    }

    /// <summary>The block's scale and zero point without encoding.</summary>
    public static (float Scale, float Zero) Parameters(ReadOnlySpan<float> values, BlockScheme scheme)
    {
        if (scheme.Symmetric)
        {
            float extreme = 0;
            foreach (float v in values)
                if (Math.Abs(v) > Math.Abs(extreme))
                    extreme = v;
            float scale = extreme / -scheme.MidCode;
            return (Math.Abs(scale) < MinScale ? MinScale : scale, scheme.MidCode);
        }
        float min = 0, max = 0;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        float s = Math.Max((max - min) / scheme.MaxCode, MinScale);
        return (s, Math.Clamp(MathF.Round(-min / s, MidpointRounding.ToEven), 0, scheme.MaxCode));
    }

    /// <summary>Codes of <paramref name="values"/> for a given scale and zero point; positions past the values get the rounded zero point.</summary>
    public static void Encode(ReadOnlySpan<float> values, float scale, float zero, int maxCode, Span<byte> codes)
    {
        for (int i = 0; i < values.Length; i++)
            codes[i] = (byte)Math.Clamp(MathF.Round(values[i] / scale + zero, MidpointRounding.ToEven), 0, maxCode);
        codes[values.Length..].Fill((byte)Math.Clamp(MathF.Round(zero, MidpointRounding.ToEven), 0, maxCode));
    }
}
