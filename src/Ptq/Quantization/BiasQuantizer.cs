namespace Ptq.Quantization;

/// <summary>
/// Quantizes a bias to int32 with scale = input scale × weight scale (per output channel) and zero point 0, the form
/// integer kernels add to their int32 accumulators.
/// </summary>
internal static class BiasQuantizer
{
    /// <summary>32-bit bias scheme (symmetric, full int32 range).</summary>
    public static QuantScheme Scheme { get; } = new(32, QuantMode.Symmetric);

    /// <summary>
    /// Quantizes <paramref name="bias"/>. When a bias value would overflow int32 because input scale × weight scale is
    /// tiny, that channel's weight scale is raised just enough (the product underflow case) and the adjusted weight
    /// parameters are returned so the caller re-encodes the weight; otherwise <c>AdjustedWeight</c> is null.
    /// </summary>
    public static (QuantParams Parameters, int[] Codes, QuantParams? AdjustedWeight) Quantize(
        string name, ReadOnlySpan<float> bias, float inputScale, QuantParams weight)
    {
        int channels = bias.Length;
        if (weight.IsPerChannel && weight.Scales.Length != channels)
            throw new PtqException($"bias '{name}' has {channels} values but its weight has {weight.Scales.Length} channel scales");
        var weightScales = (float[])weight.Scales.Clone();
        bool adjusted = false;
        const double limit = int.MaxValue * 0.5; // headroom for the accumulated products
        for (int c = 0; c < channels; c++)
        {
            int w = weight.IsPerChannel ? c : 0;
            double needed = Math.Abs(bias[c]) / limit / inputScale;
            if (needed > weightScales[w])
            {
                weightScales[w] = (float)needed;
                adjusted = true;
            }
        }
        var scales = new float[weight.IsPerChannel ? channels : 1];
        for (int i = 0; i < scales.Length; i++)
            scales[i] = Math.Max(inputScale * weightScales[i], float.Epsilon);
        var codes = new int[channels];
        for (int c = 0; c < channels; c++)
            codes[c] = (int)Math.Clamp(Math.Round(bias[c] / (double)scales[weight.IsPerChannel ? c : 0], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        var parameters = new QuantParams(scales, new int[scales.Length], Scheme, weight.IsPerChannel ? 0 : null);
        var adjustedWeight = adjusted ? new QuantParams(weightScales, weight.ZeroPoints, weight.Scheme, weight.Axis) : null;
        return (parameters, codes, adjustedWeight);
    }
}
