namespace Ptq.Quantization.Blockwise;

/// <summary>
/// HQQ (half-quadratic quantization, Badri &amp; Shaji 2023) for one asymmetric block, without data: the scale stays the
/// min-max one and the zero point z (a float) is fitted to minimise an lp error (p = 0.7 &lt; 1, which lets a few
/// weights carry a large error so the rest fit well). Each of at most <see cref="Iterations"/> steps: codes
/// q = clamp(round(w/s + z)); residual e = shrink(w − (q − z)·s) with the generalised soft threshold
/// <c>shrink(x) = sign(x)·max(|x| − |x|^(p−1)/β, 0)</c>; then <c>z = mean(q − (w − e)/s)</c> and β ← κβ (β = 10,
/// κ = 1.01, the paper's values). The zero point with the lowest mean |w − (q − z)·s| is kept; the search stops once the
/// error grows.
/// </summary>
internal static class HqqBlock
{
    public const int Iterations = 20;
    private const float P = 0.7f, Beta0 = 10f, Kappa = 1.01f;

    /// <summary>Quantizes <paramref name="values"/> (at most one block) into <paramref name="codes"/>; returns scale and (float) zero point.</summary>
    public static (float Scale, float Zero) Quantize(ReadOnlySpan<float> values, BlockScheme scheme, Span<byte> codes)
    {
        if (scheme.Symmetric)
            throw new ArgumentException("HQQ fits the zero point of asymmetric blocks", nameof(scheme));
        int n = values.Length, maxCode = scheme.MaxCode;
        float min = 0, max = 0;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        float scale = Math.Max((max - min) / maxCode, RtnBlock.MinScale);
        float zero = -min / scale, best = zero, bestError = float.PositiveInfinity, beta = Beta0;
        Span<float> q = n <= 256 ? stackalloc float[n] : new float[n];
        for (int step = 0; step < Iterations; step++)
        {
            double error = 0, sum = 0;
            for (int i = 0; i < n; i++)
            {
                q[i] = Math.Clamp(MathF.Round(values[i] / scale + zero, MidpointRounding.ToEven), 0, maxCode);
                float residual = values[i] - (q[i] - zero) * scale;
                error += Math.Abs(residual);
                sum += q[i] - (values[i] - Shrink(residual, beta)) / scale;
            }
            float meanError = (float)(error / n);
            if (meanError >= bestError)
                break;
            (best, bestError) = (zero, meanError);
            zero = (float)(sum / n);
            beta *= Kappa;
        }
        RtnBlock.Encode(values, scale, best, maxCode, codes);
        return (scale, best);
    }

    private static float Shrink(float x, float beta)
    {
        float magnitude = Math.Abs(x);
        return magnitude == 0 ? 0 : MathF.Sign(x) * Math.Max(magnitude - MathF.Pow(magnitude, P - 1) / beta, 0);
    }
}
