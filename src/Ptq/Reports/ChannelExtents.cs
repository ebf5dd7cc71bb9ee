namespace Ptq.Reports;

/// <summary>
/// Smallest and largest float value of each channel of an activation over all samples, the channel being axis 1 as in
/// ONNX's QuantizeLinear default (NCHW feature maps, [N, C] vectors). Kept for per-tensor activations of rank ≥ 2 with at
/// most <see cref="MaxChannels"/> channels, to show how different the channels' scales are under one shared range.
/// </summary>
internal sealed class ChannelExtents
{
    /// <summary>Channel counts above this are not tracked (sequence or class axes, not feature channels).</summary>
    public const int MaxChannels = 4096;

    private float[]? _min, _max;
    private bool _unusable;

    /// <summary>Adds one sample of shape <paramref name="shape"/>; a sample whose axis-1 size differs from earlier ones stops the tracking.</summary>
    public void Add(ReadOnlySpan<float> values, IReadOnlyList<long> shape)
    {
        if (_unusable) return;
        if (shape.Count < 2 || shape[1] < 2 || shape[1] > MaxChannels || (_min is not null && _min.Length != shape[1]))
        {
            _unusable = true;
            return;
        }
        int channels = (int)shape[1];
        _min ??= Enumerable.Repeat(float.PositiveInfinity, channels).ToArray();
        _max ??= Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
        long inner = 1;
        for (int d = 2; d < shape.Count; d++) inner *= shape[d];
        for (long start = 0; start < values.Length; start += inner)
        {
            int c = (int)(start / inner % channels);
            foreach (float v in values.Slice((int)start, (int)inner))
            {
                if (v < _min[c]) _min[c] = v;
                if (v > _max[c]) _max[c] = v;
            }
        }
    }

    /// <summary>Per channel: min, max and the tensor's quantization range [<paramref name="rangeMin"/>, <paramref name="rangeMax"/>]; null when not tracked.</summary>
    public IReadOnlyList<ChannelRange>? ToRanges(float rangeMin, float rangeMax) =>
        _unusable || _min is null ? null : [.. _min.Select((lo, c) => new ChannelRange(lo, _max![c], rangeMin, rangeMax))];
}
