using System.Numerics.Tensors;
using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Minimum and maximum per channel along one axis of a row-major tensor. The shape may change between batches
/// (e.g. the batch dimension) as long as the channel dimension stays <see cref="Channels"/>.
/// Each (outer, channel) block of contiguous inner elements is reduced with TensorPrimitives.Min/Max.
/// Memory: 2 × channels doubles. Merge is exact. Not thread-safe.
/// </summary>
internal sealed class PerChannelMinMaxObserver
{
    private readonly double[] _min;
    private readonly double[] _max;

    /// <summary>Creates an empty observer.</summary>
    /// <param name="tensorName">Tensor name for error messages.</param>
    /// <param name="axis">Channel axis; negative values count from the end of each batch's shape.</param>
    /// <param name="channels">Size of the channel dimension (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> &lt; 1.</exception>
    public PerChannelMinMaxObserver(string tensorName, int axis, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        TensorName = tensorName;
        Axis = axis;
        _min = new double[channels];
        _max = new double[channels];
    }

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Channel axis as given at construction.</summary>
    public int Axis { get; }

    /// <summary>Number of channels.</summary>
    public int Channels => _min.Length;

    /// <summary>Number of values observed.</summary>
    public long Count { get; private set; }

    /// <summary>Per-channel minima (zeros before the first batch).</summary>
    public ReadOnlySpan<double> Min => _min;

    /// <summary>Per-channel maxima (zeros before the first batch).</summary>
    public ReadOnlySpan<double> Max => _max;

    /// <summary>Observes one batch with the given row-major <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">The axis is outside the shape, the channel dimension differs from
    /// <see cref="Channels"/>, or the shape's element count differs from <paramref name="values"/>.Length.</exception>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    public void Observe(ReadOnlySpan<float> values, ReadOnlySpan<int> shape)
    {
        int axis = Axis < 0 ? Axis + shape.Length : Axis;
        if (axis < 0 || axis >= shape.Length)
        {
            throw new ArgumentException($"Tensor '{TensorName}': channel axis {Axis} is outside a rank-{shape.Length} shape.", nameof(shape));
        }
        if (shape[axis] != Channels)
        {
            throw new ArgumentException($"Tensor '{TensorName}': dimension {axis} is {shape[axis]}, expected {Channels} channels.", nameof(shape));
        }
        long outer = 1, inner = 1;
        for (int d = 0; d < axis; d++)
        {
            outer *= shape[d];
        }
        for (int d = axis + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }
        if (outer * Channels * inner != values.Length)
        {
            throw new ArgumentException($"Tensor '{TensorName}': shape [{string.Join(',', shape.ToArray())}] holds {outer * Channels * inner} values, the batch has {values.Length}.", nameof(values));
        }
        if (values.IsEmpty)
        {
            return;
        }
        int n = (int)inner;
        bool first = Count == 0;
        for (long o = 0; o < outer; o++)
        {
            for (int c = 0; c < Channels; c++)
            {
                var block = values.Slice((int)((o * Channels + c) * inner), n);
                float min = TensorPrimitives.Min(block);
                float max = TensorPrimitives.Max(block);
                FiniteGuard.ThrowIfNonFinite(min, max, values, TensorName);
                bool init = first && o == 0;
                _min[c] = init ? min : Math.Min(_min[c], min);
                _max[c] = init ? max : Math.Max(_max[c], max);
            }
        }
        Count += values.Length;
    }

    /// <summary>Combines the per-channel extremes of <paramref name="other"/>.</summary>
    /// <exception cref="ArgumentException">The channel counts differ.</exception>
    public void Merge(PerChannelMinMaxObserver other)
    {
        if (other.Channels != Channels)
        {
            throw new ArgumentException($"Cannot merge per-channel statistics of '{TensorName}': {Channels} vs {other.Channels} channels.", nameof(other));
        }
        if (other.Count == 0)
        {
            return;
        }
        for (int c = 0; c < Channels; c++)
        {
            _min[c] = Count == 0 ? other._min[c] : Math.Min(_min[c], other._min[c]);
            _max[c] = Count == 0 ? other._max[c] : Math.Max(_max[c], other._max[c]);
        }
        Count += other.Count;
    }

    internal static PerChannelMinMaxObserver FromRanges(string tensorName, int axis, ReadOnlySpan<double> min, ReadOnlySpan<double> max, long count)
    {
        var o = new PerChannelMinMaxObserver(tensorName, axis, min.Length) { Count = count };
        min.CopyTo(o._min);
        max.CopyTo(o._max);
        return o;
    }
}
