namespace Ptq.Reports;

/// <summary>
/// Counts values a QuantizeLinear saturates: those whose code <c>round(x / scale) + zero_point</c> (round half to even,
/// in float, as the runtime does) falls outside [qmin, qmax], i.e. that lie beyond <see cref="QdqLink.RangeOf"/> of their
/// channel by more than half a quantization step. Values within half a step of the range end are ordinary rounding, not clipping.
/// </summary>
internal static class ClipCounter
{
    /// <summary>
    /// Number of <paramref name="values"/> whose code <c>round(x / scale) + zp</c> of their channel is below qmin or above
    /// qmax (see the type). Per-channel links use
    /// <see cref="QdqLink.Axis"/> of <paramref name="shape"/> (row-major) to find each value's channel. NaN values count as clipped.
    /// </summary>
    /// <exception cref="ArgumentException">When a per-channel link's axis or channel count does not fit <paramref name="shape"/>.</exception>
    public static long Count(ReadOnlySpan<float> values, IReadOnlyList<long> shape, QdqLink link)
    {
        long clipped = 0;
        ForEachChannel(values, shape, link, (slice, channel) => clipped += CountOutside(slice, link, channel));
        return clipped;
    }

    /// <summary>Receives the values of one channel slice and the channel's index.</summary>
    internal delegate void ChannelSlice(ReadOnlySpan<float> values, int channel);

    /// <summary>
    /// Calls <paramref name="action"/> for each run of <paramref name="values"/> that shares one channel of
    /// <paramref name="link"/> (the whole span when per-tensor), locating channels on <see cref="QdqLink.Axis"/> of
    /// <paramref name="shape"/> (row-major).
    /// </summary>
    /// <exception cref="ArgumentException">When a per-channel link's axis or channel count does not fit <paramref name="shape"/>.</exception>
    internal static void ForEachChannel(ReadOnlySpan<float> values, IReadOnlyList<long> shape, QdqLink link, ChannelSlice action)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(link);
        if (link.Channels == 1)
        {
            action(values, 0);
            return;
        }
        int axis = link.Axis ?? 1;
        if (axis < 0 || axis >= shape.Count || shape[axis] != link.Channels)
            throw new ArgumentException($"'{link.DequantizedTensor}' has {link.Channels} channels on axis {axis} but the tensor has shape [{string.Join(",", shape)}].", nameof(shape));
        long inner = 1;
        for (int d = axis + 1; d < shape.Count; d++) inner *= shape[d];
        for (long start = 0; start < values.Length; start += inner)
            action(values.Slice((int)start, (int)inner), (int)(start / inner % link.Channels));
    }

    /// <summary>The float bounds of channel <paramref name="channel"/>, computed in float arithmetic.</summary>
    public static FloatRange Bounds(QdqLink link, int channel)
    {
        ArgumentNullException.ThrowIfNull(link);
        float scale = link.Scales[channel];
        return new FloatRange((link.QMin - link.ZeroPoints[channel]) * scale, (link.QMax - link.ZeroPoints[channel]) * scale);
    }

    private static long CountOutside(ReadOnlySpan<float> values, QdqLink link, int channel)
    {
        float scale = link.Scales[channel];
        double zeroPoint = link.ZeroPoints[channel];
        long n = 0;
        foreach (float v in values)
        {
            double code = MathF.Round(v / scale, MidpointRounding.ToEven) + zeroPoint;
            if (!(code >= link.QMin && code <= link.QMax)) n++;
        }
        return n;
    }
}
