using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// Immutable histogram on a power-of-two grid: <see cref="BinCount"/> bins of width <see cref="BinWidth"/> = 2^k
/// starting at <see cref="Min"/>, which is an integer multiple of the width. Bin i counts values in
/// [Min + i·BinWidth, Min + (i+1)·BinWidth). Zero always lies on a bin edge, so folding to |x| is exact.
/// </summary>
internal sealed class Histogram
{
    private readonly long[] _counts;

    /// <summary>
    /// Creates a histogram over [<paramref name="min"/>, <paramref name="max"/>) with the given counts (copied).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 bins, a negative count, (max−min)/bins not a power of two,
    /// or min not an integer multiple of the bin width.</exception>
    public Histogram(double min, double max, ReadOnlySpan<long> counts)
    {
        if (counts.Length < 2)
        {
            throw new ArgumentException($"A histogram needs at least 2 bins, got {counts.Length}.", nameof(counts));
        }
        double width = (max - min) / counts.Length;
        if (!(width > 0) || !double.IsFinite(width) || Math.ScaleB(1.0, Math.ILogB(width)) != width)
        {
            throw new ArgumentException($"Bin width (max−min)/bins = ({max}−{min})/{counts.Length} = {width} is not a positive power of two.", nameof(max));
        }
        int e = Math.ILogB(width);
        double origin = Math.ScaleB(min, -e);
        if (origin != Math.Floor(origin) || Math.Abs(origin) > (1L << 52))
        {
            throw new ArgumentException($"Histogram min {min} is not an integer multiple of the bin width {width}.", nameof(min));
        }
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] < 0)
            {
                throw new ArgumentException($"Histogram bin {i} has a negative count {counts[i]}.", nameof(counts));
            }
        }
        _counts = counts.ToArray();
        Exponent = e;
        Origin = (long)origin;
        TotalCount = Sum(_counts);
    }

    private Histogram(int exponent, long origin, long[] counts, bool _)
    {
        _counts = counts;
        Exponent = exponent;
        Origin = origin;
        TotalCount = Sum(counts);
    }

    /// <summary>Wraps counts (not copied) on the grid of width 2^<paramref name="exponent"/> starting at global index <paramref name="origin"/>.</summary>
    internal static Histogram FromGrid(int exponent, long origin, long[] counts) => new(exponent, origin, counts, true);

    /// <summary>Lower edge of bin 0.</summary>
    public double Min => Math.ScaleB(Origin, Exponent);

    /// <summary>Upper edge of the last bin (exclusive).</summary>
    public double Max => Math.ScaleB(Origin + _counts.Length, Exponent);

    /// <summary>Width of every bin, a power of two.</summary>
    public double BinWidth => Math.ScaleB(1.0, Exponent);

    /// <summary>Number of bins.</summary>
    public int BinCount => _counts.Length;

    /// <summary>Count per bin.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Sum of all counts.</summary>
    public long TotalCount { get; }

    /// <summary>log2 of the bin width.</summary>
    internal int Exponent { get; }

    /// <summary>Global index of bin 0 (Min / BinWidth).</summary>
    internal long Origin { get; }

    /// <summary>Lower edge of bin <paramref name="i"/>.</summary>
    public double LowerEdge(int i) => Math.ScaleB(Origin + i, Exponent);

    /// <summary>
    /// Histogram of |x| with the same bin width over [0, n·width): the bin [g·w,(g+1)·w) goes to g for g ≥ 0 and
    /// to −g−1 for g &lt; 0. Exact because zero is a bin edge.
    /// </summary>
    public Histogram FoldAbsolute()
    {
        long lastG = Origin + _counts.Length - 1;
        long n = Math.Max(lastG + 1, -Origin);
        var folded = new long[Math.Max(n, 2)];
        for (int i = 0; i < _counts.Length; i++)
        {
            long g = Origin + i;
            folded[g >= 0 ? g : -g - 1] += _counts[i];
        }
        return FromGrid(Exponent, 0, folded);
    }

    /// <summary>
    /// Histogram over [0, Max) for unsigned targets: counts of negative bins are added to bin 0 because an unsigned
    /// quantizer maps every negative value to 0.
    /// </summary>
    public Histogram PositiveHalf()
    {
        long lastG = Origin + _counts.Length - 1;
        var half = new long[Math.Max(lastG + 1, 2)];
        for (int i = 0; i < _counts.Length; i++)
        {
            long g = Origin + i;
            half[g >= 0 ? g : 0] += _counts[i];
        }
        return FromGrid(Exponent, 0, half);
    }

    private static long Sum(long[] counts)
    {
        long s = 0;
        foreach (long c in counts)
        {
            s += c;
        }
        return s;
    }
}
