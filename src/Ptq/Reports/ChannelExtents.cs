namespace Ptq.Reports;

/// <summary>
/// Smallest and largest float value of each channel of an activation over all samples. The channel is axis 1 as in
/// ONNX's QuantizeLinear default (NCHW feature maps, [N, C] vectors), except for rank-3 activations in sequence layout
/// [N, T, C] (transformers: read by MatMul, LayerNormalization, Gemm rather than by a convolution), whose features are on
/// the last axis; axis 1 there would count sequence positions. Kept for per-tensor activations of rank ≥ 2 with at
/// most <see cref="MaxChannels"/> channels, to show how different the channels' scales are under one shared range.
/// </summary>
/// <param name="sequenceLayout">Rank-3 samples hold features on the last axis (see <see cref="IsSequenceLayout"/>).</param>
internal sealed class ChannelExtents(bool sequenceLayout = false)
{
    /// <summary>Channel counts above this are not tracked (sequence or class axes, not feature channels).</summary>
    public const int MaxChannels = 4096;

    private static readonly HashSet<string> ChannelFirstReaders = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "BatchNormalization", "InstanceNormalization",
        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool",
    };

    private float[]? _min, _max;
    private bool _unusable;

    /// <summary>
    /// Whether a rank-3 activation read by <paramref name="readers"/> (op types) is in sequence layout [N, T, C]: none of
    /// them reads channels on axis 1 (convolutions, pooling, batch and instance normalization).
    /// </summary>
    public static bool IsSequenceLayout(IEnumerable<string> readers) => !readers.Any(ChannelFirstReaders.Contains);

    /// <summary>Adds one sample of shape <paramref name="shape"/>; a sample whose channel count differs from earlier ones stops the tracking.</summary>
    public void Add(ReadOnlySpan<float> values, IReadOnlyList<long> shape)
    {
        if (_unusable) return;
        int axis = sequenceLayout && shape.Count == 3 ? 2 : 1;
        if (shape.Count < 2 || shape[axis] < 2 || shape[axis] > MaxChannels || (_min is not null && _min.Length != shape[axis]))
        {
            _unusable = true;
            return;
        }
        int channels = (int)shape[axis];
        _min ??= Enumerable.Repeat(float.PositiveInfinity, channels).ToArray();
        _max ??= Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
        long inner = 1;
        for (int d = axis + 1; d < shape.Count; d++) inner *= shape[d];
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
