using System.Numerics.Tensors;

namespace Ptq.Reports;

/// <summary>
/// Streams the values of one tensor (over many samples) into a <see cref="TensorSummary"/> in bounded memory:
/// min, max and the sums of v and v² in double, the zero count, and a <see cref="QuantileReservoir"/> for quartiles
/// and histograms. Not thread-safe.
/// </summary>
internal sealed class TensorAccumulator(int reservoirCapacity = QuantileReservoir.DefaultCapacity)
{
    private const int Chunk = 1024;
    private readonly QuantileReservoir _reservoir = new(reservoirCapacity);
    private double _sum, _sumSquares;
    private float _min = float.PositiveInfinity, _max = float.NegativeInfinity;
    private long _zeros;

    public long Count => _reservoir.Seen;

    public QuantileReservoir Reservoir => _reservoir;

    public void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        _min = Math.Min(_min, TensorPrimitives.Min(values));
        _max = Math.Max(_max, TensorPrimitives.Max(values));
        Span<double> wide = stackalloc double[Chunk];
        for (int start = 0; start < values.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, values.Length - start);
            var w = wide[..n];
            TensorPrimitives.ConvertTruncating<float, double>(values.Slice(start, n), w);
            _sum += TensorPrimitives.Sum<double>(w);
            _sumSquares += TensorPrimitives.SumOfSquares<double>(w);
        }
        _zeros += Zeros(values);
        _reservoir.Add(values);
    }

    public TensorSummary ToSummary()
    {
        long n = Count;
        if (n == 0) return new TensorSummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, true);
        double mean = _sum / n;
        double variance = Math.Max(0, (_sumSquares / n) - (mean * mean));
        double[] q = _reservoir.Quantiles(0.25, 0.5, 0.75);
        return new TensorSummary(n, _min, q[0], q[1], q[2], _max, mean, variance, (double)_zeros / n, _reservoir.IsExact);
    }

    private static int Zeros(ReadOnlySpan<float> values)
    {
        int zeros = 0;
        foreach (float v in values)
            if (v == 0) zeros++;
        return zeros;
    }
}
