using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Streaming histogram with a fixed number of bins on a power-of-two grid (see <see cref="Histogram"/>).
/// When a batch falls outside the current range the bin width doubles (as often as needed) and neighbouring bins merge
/// exactly, like the TensorRT/ONNX Runtime collectors but without ever splitting a bin. Memory: bins × 8 bytes plus an
/// 8 × bins int scratch, independent of the number of samples. Batches accumulate into the int scratch, which is folded
/// into the long counts only when the grid grows, the int counters could overflow, or the histogram is read: small
/// batches cost no per-batch clearing or summing of the bins. Merging two observers gives bin-for-bin the histogram
/// of one pass over both inputs. Not thread-safe; use one observer per tensor per thread.
/// </summary>
internal sealed class HistogramObserver
{
    /// <summary>Default number of bins (TensorRT's choice for entropy calibration).</summary>
    public const int DefaultBins = 2048;

    private long[] _counts;
    private int[]? _scratch;
    private long _pending; // values in _scratch not yet folded into _counts
    private int _exponent;
    private long _origin;
    private double _seenMin;
    private double _seenMax;

    /// <summary>Creates an empty histogram for <paramref name="tensorName"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is below 8, odd or above 2^24.</exception>
    public HistogramObserver(string tensorName, int bins = DefaultBins, HistogramRangeMode mode = HistogramRangeMode.Symmetric)
    {
        if (bins < 8 || bins % 2 != 0 || bins > 1 << 24)
        {
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "Histogram bins must be even and in [8, 2^24].");
        }
        TensorName = tensorName;
        Mode = mode;
        _counts = new long[bins];
    }

    /// <summary>Name of the observed tensor (used in error messages).</summary>
    public string TensorName { get; }

    /// <summary>Bin placement.</summary>
    public HistogramRangeMode Mode { get; }

    /// <summary>Number of bins.</summary>
    public int Bins => _counts.Length;

    /// <summary>Number of values observed.</summary>
    public long Count { get; private set; }

    /// <summary>Observes one batch. Empty batches are ignored.</summary>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    public void Observe(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var (min, max) = FiniteGuard.FiniteRange(values, TensorName);
        Observe(values, min, max);
    }

    /// <summary>Observes a batch whose (finite) min and max are already known.</summary>
    internal void Observe(ReadOnlySpan<float> values, float min, float max)
    {
        if (values.IsEmpty)
        {
            return;
        }
        Cover(min, max);
        int bins = _counts.Length;
        _scratch ??= new int[HistogramKernel.Lanes * bins];
        if (_pending + values.Length > int.MaxValue) // no int counter can exceed the values it has seen
        {
            Flush();
        }
        HistogramKernel.Accumulate(values, (float)Math.ScaleB(1.0, -_exponent), _origin, bins, _scratch);
        _pending += values.Length;
        Count += values.Length;
    }

    /// <summary>Folds the pending int sub-histograms into the long counts and clears them.</summary>
    private void Flush()
    {
        if (_pending == 0 || _scratch is null)
        {
            return;
        }
        int bins = _counts.Length;
        for (int lane = 0; lane < HistogramKernel.Lanes; lane++)
        {
            var part = _scratch.AsSpan(lane * bins, bins);
            for (int i = 0; i < bins; i++)
            {
                _counts[i] += part[i];
            }
        }
        Array.Clear(_scratch);
        _pending = 0;
    }

    /// <summary>Adds the counts of <paramref name="other"/>; the result equals one pass over both inputs.</summary>
    /// <exception cref="ArgumentException">Different bin counts or range modes.</exception>
    public void Merge(HistogramObserver other)
    {
        if (other.Bins != Bins || other.Mode != Mode)
        {
            throw new ArgumentException($"Cannot merge histograms of '{TensorName}': {Bins} bins/{Mode} vs {other.Bins} bins/{other.Mode}.", nameof(other));
        }
        if (other.Count == 0)
        {
            return;
        }
        other.Flush();
        Cover(other._seenMin, other._seenMax);
        Flush();
        HistogramGrid.Remap(other._counts, other._exponent, other._origin, _counts, _exponent, _origin);
        Count += other.Count;
    }

    /// <summary>Returns an immutable copy of the current histogram, or null before the first value.</summary>
    public Histogram? ToHistogram()
    {
        Flush();
        return Count == 0 ? null : Histogram.FromGrid(_exponent, _origin, (long[])_counts.Clone());
    }

    /// <summary>Rebuilds an observer from a saved histogram and the data extent it was built from.</summary>
    internal static HistogramObserver FromHistogram(string tensorName, Histogram h, double dataMin, double dataMax, HistogramRangeMode mode)
    {
        var o = new HistogramObserver(tensorName, h.BinCount, mode)
        {
            _exponent = h.Exponent,
            _origin = h.Origin,
            _seenMin = dataMin,
            _seenMax = dataMax,
            Count = h.TotalCount,
        };
        h.Counts.CopyTo(o._counts);
        return o;
    }

    /// <summary>Grows the grid (exactly) so that [min, max] and everything seen so far fit.</summary>
    private void Cover(double min, double max)
    {
        bool symmetric = Mode == HistogramRangeMode.Symmetric;
        int bins = _counts.Length;
        if (Count == 0)
        {
            _seenMin = min;
            _seenMax = max;
            _exponent = HistogramGrid.ChooseExponent(min, max, bins, symmetric);
            _origin = HistogramGrid.Origin(min, _exponent, bins, symmetric);
            return;
        }
        double lo = Math.Min(_seenMin, min), hi = Math.Max(_seenMax, max);
        _seenMin = lo;
        _seenMax = hi;
        int e = Math.Max(_exponent, HistogramGrid.ChooseExponent(lo, hi, bins, symmetric));
        long origin = HistogramGrid.Origin(lo, e, bins, symmetric);
        if (e == _exponent && origin == _origin)
        {
            return;
        }
        Flush(); // pending counts are on the old grid
        var remapped = new long[bins];
        HistogramGrid.Remap(_counts, _exponent, _origin, remapped, e, origin);
        _counts = remapped;
        _exponent = e;
        _origin = origin;
    }
}
