namespace Ptq.Quantization;

/// <summary>
/// Weight quantization with MSE-optimal clipping per channel (or per tensor): for each slice, the range
/// [t·min, t·max] (symmetric: [−t·max|w|, t·max|w|]) with t searched over 64 steps in [0.5, 1] that minimizes
/// Σ (w − dequantize(quantize(w)))² over the slice's own weights. Outliers then cost their clipping error instead of
/// coarsening the grid for every other weight; at 8 bits t is usually 1, at 4 bits it often is not.
/// </summary>
internal static class MseWeightQuantizer
{
    private const int Steps = 64;

    /// <summary>Quantizes <paramref name="weights"/> like <see cref="WeightQuantizer.MinMax"/> but with searched clipping.</summary>
    public static QuantizedWeight Quantize(string name, ReadOnlySpan<float> weights, ReadOnlySpan<long> dims, QuantScheme scheme, int? axis)
    {
        var minMax = WeightQuantizer.MinMax(name, weights, dims, scheme, axis);
        var layout = ChannelLayout.Of(dims, axis);
        int channels = layout.Channels;
        var slices = new List<float>[channels];
        for (int c = 0; c < channels; c++)
            slices[c] = [];
        for (int i = 0; i < weights.Length; i++)
            slices[layout.ChannelOf(i)].Add(weights[i]);

        var scales = new float[channels];
        var zeroPoints = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            var slice = slices[c];
            float min = slice.Count == 0 ? 0 : Math.Min(slice.Min(), 0f), max = slice.Count == 0 ? 0 : Math.Max(slice.Max(), 0f);
            (float Scale, int ZeroPoint) best = (minMax.Parameters.Scales[c], minMax.Parameters.ZeroPoints[c]);
            double bestError = double.PositiveInfinity;
            for (int step = 0; step <= Steps; step++)
            {
                float t = 1f - 0.5f * step / Steps;
                var candidate = QuantParams.ScaleAndZeroPoint(t * min, t * max, scheme);
                double error = Error(slice, candidate.Scale, candidate.ZeroPoint, scheme);
                if (error < bestError)
                    (best, bestError) = (candidate, error);
            }
            (scales[c], zeroPoints[c]) = best;
        }
        var parameters = axis is int a
            ? new QuantParams(scales, zeroPoints, scheme, a)
            : new QuantParams(scales, zeroPoints, scheme);
        return new QuantizedWeight(WeightQuantizer.Encode(weights, parameters, dims), parameters);
    }

    private static double Error(List<float> values, float scale, int zeroPoint, QuantScheme scheme)
    {
        double error = 0;
        foreach (float w in values)
        {
            float q = Math.Clamp(MathF.Round(w / scale, MidpointRounding.ToEven) + zeroPoint, scheme.QMin, scheme.QMax);
            double d = w - (q - zeroPoint) * scale;
            error += d * d;
        }
        return error;
    }
}
