namespace Ptq.Pipeline;

/// <summary>
/// Streams per-channel (axis 1) means of a tensor clamped to optional bounds, and per channel the fraction of values
/// strictly inside the bounds (where the clamped value moves with a bias). Sums in double.
/// </summary>
internal sealed class ClampedChannelMeans(string tensorName, FloatRange? bounds)
{
    private double[] _sums = [];
    private long[] _inside = [];
    private long _countPerChannel;

    /// <summary>Mean of each channel's clamped values.</summary>
    public double[] Means => [.. _sums.Select(s => _countPerChannel == 0 ? 0 : s / _countPerChannel)];

    /// <summary>Fraction of each channel's values strictly inside the bounds (1 without bounds).</summary>
    public double[] Inside => [.. _inside.Select(c => bounds is null ? 1 : _countPerChannel == 0 ? 0 : (double)c / _countPerChannel)];

    /// <summary>Adds one batch of row-major values; throws <see cref="PtqException"/> when the shape has no channel axis or changes channel count.</summary>
    public void Observe(ReadOnlySpan<float> values, ReadOnlySpan<long> shape)
    {
        if (shape.Length < 2)
            throw new PtqException($"empirical bias correction: '{tensorName}' has rank {shape.Length}, no channel axis");
        int channels = (int)shape[1];
        long inner = 1;
        for (int d = 2; d < shape.Length; d++)
            inner *= shape[d];
        if (_sums.Length == 0)
        {
            _sums = new double[channels];
            _inside = new long[channels];
        }
        else if (_sums.Length != channels)
        {
            throw new PtqException($"empirical bias correction: '{tensorName}' changed from {_sums.Length} to {channels} channels");
        }
        float lo = bounds?.Min ?? float.NegativeInfinity, hi = bounds?.Max ?? float.PositiveInfinity;
        for (long n = 0; n < shape[0]; n++)
            for (int c = 0; c < channels; c++)
            {
                var slice = values.Slice((int)((n * channels + c) * inner), (int)inner);
                double sum = 0;
                long inside = 0;
                if (bounds is null)
                {
                    foreach (float v in slice)
                        sum += v;
                }
                else
                {
                    foreach (float v in slice)
                    {
                        sum += Math.Clamp(v, lo, hi);
                        inside += v > lo && v < hi ? 1 : 0;
                    }
                }
                _sums[c] += sum;
                _inside[c] += inside;
            }
        _countPerChannel += shape[0] * inner;
    }
}
