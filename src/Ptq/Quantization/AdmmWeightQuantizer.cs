namespace Ptq.Quantization;

/// <summary>
/// TNN's ADMM weight quantization for symmetric schemes: per channel, alternate between rounding the weights on the
/// current grid, q = clamp(round(w / s)), and refitting the scale by least squares, s = Σ w·q / Σ q², starting from
/// the min-max scale, until the codes stop changing (at most 20 rounds). The fitted scale minimizes Σ (w − s·q)² for
/// the chosen codes, so the squared error never exceeds min-max's. Asymmetric schemes fall back to min-max.
/// </summary>
internal static class AdmmWeightQuantizer
{
    private const int MaxRounds = 20;

    /// <summary>Quantizes <paramref name="weights"/> like <see cref="WeightQuantizer.MinMax"/> with least-squares scales.</summary>
    public static QuantizedWeight Quantize(string name, ReadOnlySpan<float> weights, ReadOnlySpan<long> dims, QuantScheme scheme, int? axis)
    {
        var start = WeightQuantizer.MinMax(name, weights, dims, scheme, axis);
        if (scheme.Mode != QuantMode.Symmetric)
            return start;
        var layout = ChannelLayout.Of(dims, axis);
        var scales = (float[])start.Parameters.Scales.Clone();
        var slices = new List<float>[layout.Channels];
        for (int c = 0; c < slices.Length; c++)
            slices[c] = [];
        for (int i = 0; i < weights.Length; i++)
            slices[layout.ChannelOf(i)].Add(weights[i]);
        for (int c = 0; c < slices.Length; c++)
            scales[c] = Fit(slices[c], scales[c], scheme);
        var parameters = new QuantParams(scales, new int[scales.Length], scheme, start.Parameters.Axis);
        return new QuantizedWeight(WeightQuantizer.Encode(weights, parameters, dims), parameters);
    }

    private static float Fit(List<float> values, float scale, QuantScheme scheme)
    {
        var codes = new int[values.Count];
        for (int round = 0; round < MaxRounds; round++)
        {
            bool changed = false;
            double wq = 0, qq = 0;
            for (int i = 0; i < values.Count; i++)
            {
                int q = (int)Math.Clamp(MathF.Round(values[i] / scale, MidpointRounding.ToEven), scheme.QMin, scheme.QMax);
                changed |= q != codes[i] || round == 0;
                codes[i] = q;
                wq += values[i] * (double)q;
                qq += (double)q * q;
            }
            if (qq == 0)
                return scale;
            float next = (float)Math.Max(wq / qq, QuantParams.MinScale);
            if (!changed && next == scale)
                break;
            scale = next;
        }
        return scale;
    }
}
