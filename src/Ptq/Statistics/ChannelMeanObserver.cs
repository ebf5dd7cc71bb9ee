using System.Numerics.Tensors;

namespace Ptq.Statistics;

/// <summary>Mean of each channel along axis 1 (NCHW channels, or the features of an [N, K] matrix), and how many values each mean covers.</summary>
/// <param name="Means">One mean per channel.</param>
/// <param name="CountPerChannel">Values averaged into each mean.</param>
internal sealed record ChannelMeans(double[] Means, long CountPerChannel);

/// <summary>
/// Streams per-channel means along axis 1 (what bias correction needs: E[x_c] of a layer's input). Sums are kept in
/// double. Tensors of rank below 2 have no channel axis and are ignored. Mergeable.
/// </summary>
internal sealed class ChannelMeanObserver
{
    private double[]? _sums;
    private long _countPerChannel;

    /// <summary>Creates an observer for <paramref name="tensorName"/> (used in messages).</summary>
    public ChannelMeanObserver(string tensorName) => TensorName = tensorName;

    /// <summary>Observed tensor.</summary>
    public string TensorName { get; }

    /// <summary>
    /// Adds one batch of row-major values with <paramref name="shape"/>. Throws <see cref="ArgumentException"/> naming the
    /// tensor when the channel count changes between batches or the shape does not match the values.
    /// </summary>
    public void Observe(ReadOnlySpan<float> values, ReadOnlySpan<int> shape)
    {
        if (shape.Length < 2 || values.IsEmpty)
            return;
        int channels = shape[1];
        long inner = 1;
        for (int d = 2; d < shape.Length; d++)
            inner *= shape[d];
        long outer = shape[0];
        if (outer * channels * inner != values.Length)
            throw new ArgumentException($"tensor '{TensorName}': shape [{string.Join(",", shape.ToArray())}] does not match {values.Length} values");
        _sums ??= new double[channels];
        if (_sums.Length != channels)
            throw new ArgumentException($"tensor '{TensorName}': channel count changed from {_sums.Length} to {channels}");
        for (long n = 0; n < outer; n++)
            for (int c = 0; c < channels; c++)
            {
                var slice = values.Slice((int)((n * channels + c) * inner), (int)inner);
                _sums[c] += inner >= 16 ? TensorPrimitives.Sum(slice) : SumScalar(slice);
            }
        _countPerChannel += outer * inner;
    }

    /// <summary>Adds another shard's sums (channel counts must agree).</summary>
    public void Merge(ChannelMeanObserver other)
    {
        if (other._sums is null)
            return;
        _sums ??= new double[other._sums.Length];
        if (_sums.Length != other._sums.Length)
            throw new ArgumentException($"tensor '{TensorName}': cannot merge channel means of {_sums.Length} and {other._sums.Length} channels");
        for (int c = 0; c < _sums.Length; c++)
            _sums[c] += other._sums[c];
        _countPerChannel += other._countPerChannel;
    }

    /// <summary>The means so far, or null when nothing with a channel axis was observed.</summary>
    public ChannelMeans? ToMeans() =>
        _sums is null || _countPerChannel == 0 ? null : new ChannelMeans(_sums.Select(s => s / _countPerChannel).ToArray(), _countPerChannel);

    /// <summary>Rebuilds an observer from saved means (for merging stats files).</summary>
    public static ChannelMeanObserver FromMeans(string tensorName, ChannelMeans means) => new(tensorName)
    {
        _sums = means.Means.Select(m => m * means.CountPerChannel).ToArray(),
        _countPerChannel = means.CountPerChannel,
    };

    // Per-slice sums are short for small spatial maps; a plain loop in double avoids float rounding there.
    private static double SumScalar(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
            sum += v;
        return sum;
    }
}
