namespace Ptq.Quantization;

/// <summary>A quantized weight: integer codes in the weight's layout and the parameters that dequantize them.</summary>
/// <param name="Codes">One code per weight element, row-major like the float weight.</param>
/// <param name="Parameters">Per-tensor or per-channel parameters.</param>
internal sealed record QuantizedWeight(int[] Codes, QuantParams Parameters)
{
    /// <summary>The dequantized weight (what the quantized model computes with).</summary>
    public float[] Dequantize(ReadOnlySpan<long> dims)
    {
        var result = new float[Codes.Length];
        var layout = ChannelLayout.Of(dims, Parameters.Axis);
        for (int i = 0; i < Codes.Length; i++)
            result[i] = Parameters.Dequantize(Codes[i], layout.ChannelOf(i));
        return result;
    }
}

/// <summary>Maps flat element indices to the channel along an axis of a row-major tensor.</summary>
internal readonly record struct ChannelLayout(int Channels, long Inner)
{
    public static ChannelLayout Of(ReadOnlySpan<long> dims, int? axis)
    {
        if (axis is not int a)
            return new ChannelLayout(1, long.MaxValue);
        long inner = 1;
        for (int d = a + 1; d < dims.Length; d++)
            inner *= dims[d];
        return new ChannelLayout((int)dims[a], inner);
    }

    public int ChannelOf(long index) => Channels == 1 ? 0 : (int)(index / Inner % Channels);
}

/// <summary>
/// Round-to-nearest weight quantization with min-max ranges, per tensor or per channel. (MSE, ADMM and AdaRound
/// weight quantizers choose ranges or roundings differently and produce the same <see cref="QuantizedWeight"/>.)
/// </summary>
internal static class WeightQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="weights"/> (row-major with <paramref name="dims"/>) with <paramref name="scheme"/>, one
    /// range per slice along <paramref name="axis"/> or one for the whole tensor when <paramref name="axis"/> is null.
    /// Throws <see cref="PtqException"/> naming <paramref name="name"/> on NaN/Inf weights.
    /// </summary>
    public static QuantizedWeight MinMax(string name, ReadOnlySpan<float> weights, ReadOnlySpan<long> dims, QuantScheme scheme, int? axis)
    {
        var layout = ChannelLayout.Of(dims, axis);
        var mins = new float[layout.Channels];
        var maxs = new float[layout.Channels];
        Array.Fill(mins, float.PositiveInfinity);
        Array.Fill(maxs, float.NegativeInfinity);
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            if (!float.IsFinite(w))
                throw new PtqException($"weight '{name}' holds a non-finite value ({w}) at index {i}");
            int c = layout.ChannelOf(i);
            if (w < mins[c]) mins[c] = w;
            if (w > maxs[c]) maxs[c] = w;
        }
        for (int c = 0; c < layout.Channels; c++)
        {
            if (mins[c] > maxs[c]) // empty channel
                mins[c] = maxs[c] = 0;
        }
        var parameters = axis is int a
            ? QuantParams.FromChannelRanges(mins, maxs, scheme, a)
            : QuantParams.FromRange(mins[0], maxs[0], scheme);
        return new QuantizedWeight(Encode(weights, parameters, layout), parameters);
    }

    /// <summary>Codes for <paramref name="weights"/> under given parameters.</summary>
    public static int[] Encode(ReadOnlySpan<float> weights, QuantParams parameters, ReadOnlySpan<long> dims) =>
        Encode(weights, parameters, ChannelLayout.Of(dims, parameters.Axis));

    private static int[] Encode(ReadOnlySpan<float> weights, QuantParams parameters, ChannelLayout layout)
    {
        var codes = new int[weights.Length];
        for (int i = 0; i < weights.Length; i++)
            codes[i] = parameters.Quantize(weights[i], layout.ChannelOf(i));
        return codes;
    }
}
