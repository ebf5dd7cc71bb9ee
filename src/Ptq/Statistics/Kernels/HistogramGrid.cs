namespace Ptq.Statistics.Kernels;

/// <summary>
/// Power-of-two histogram grid: bin width 2^Exponent, bin i covers [(Origin+i)·2^e, (Origin+i+1)·2^e).
/// Every grid is a coarsening of every finer one, so doubling the width merges bins exactly (global index g → g &gt;&gt; 1).
/// This is what makes histograms mergeable bin for bin: the final grid depends only on the overall data extent,
/// and each value lands in floor(x·2^-e) − Origin whether it was binned early on a fine grid or late on a coarse one.
/// </summary>
internal static class HistogramGrid
{
    /// <summary>Smallest exponent allowed: 2^-120 keeps 2^-e representable as a float for the kernel.</summary>
    public const int MinExponent = -120;

    /// <summary>Largest exponent: 2^118 · 2048 bins spans the full float range.</summary>
    public const int MaxExponent = 118;

    /// <summary>floor(x · 2^-e) in exact arithmetic.</summary>
    public static long Index(double x, int exponent) => (long)Math.Floor(Math.ScaleB(x, -exponent));

    /// <summary>Floor division of a global index by 2^shift (arithmetic shift, saturating for shift ≥ 64).</summary>
    public static long Coarsen(long g, int shift) => shift >= 64 ? (g < 0 ? -1 : 0) : g >> shift;

    /// <summary>Origin for a grid: −bins/2 when symmetric (zero sits on the middle edge), else the bin of <paramref name="lo"/>.</summary>
    public static long Origin(double lo, int exponent, int bins, bool symmetric) => symmetric ? -bins / 2 : Index(lo, exponent);

    /// <summary>Smallest exponent whose grid holds [lo, hi] in <paramref name="bins"/> bins.</summary>
    public static int ChooseExponent(double lo, double hi, int bins, bool symmetric)
    {
        double span = symmetric ? 2 * Math.Max(Math.Abs(lo), Math.Abs(hi)) : hi - lo;
        int e = span > 0 ? (int)Math.Floor(Math.Log2(span / bins)) : MinExponent;
        e = Math.Clamp(e, MinExponent, MaxExponent);
        while (e < MaxExponent && !Fits(lo, hi, e, bins, symmetric))
        {
            e++;
        }
        return e;
    }

    private static bool Fits(double lo, double hi, int e, int bins, bool symmetric)
    {
        if (symmetric)
        {
            double m = Math.Max(Math.Abs(lo), Math.Abs(hi));
            return Index(-m, e) >= -bins / 2 && Index(m, e) <= bins / 2 - 1;
        }
        return Index(hi, e) - Index(lo, e) <= bins - 1;
    }

    /// <summary>Moves counts from grid (e, origin) to the coarser or shifted grid (newE, newOrigin). Zero bins are skipped.</summary>
    public static void Remap(ReadOnlySpan<long> counts, int e, long origin, Span<long> target, int newE, long newOrigin)
    {
        int shift = newE - e;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                long j = Coarsen(origin + i, shift) - newOrigin;
                target[(int)Math.Clamp(j, 0, target.Length - 1)] += counts[i];
            }
        }
    }
}
