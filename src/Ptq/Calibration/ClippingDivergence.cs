namespace Ptq.Calibration;

/// <summary>
/// KL(P‖Q) of clipping a histogram to a window of bins and quantizing the window to equal levels, the quantity TensorRT's
/// entropy calibration minimizes. P: the counts inside the window, with the counts below it added to its first bin and
/// those above it to its last bin (the clipped values land on the window's edges). Q: the window's counts merged into L
/// levels of equal width (stop − start) / L bins and spread back evenly over the bins where P is non-zero; a bin cut by a
/// level edge contributes to both levels in proportion to its overlap (TNN's and ncnn's fractional merging). TensorRT and
/// ONNX Runtime merge ⌊n / L⌋ whole bins per level and give the remainder to the last level, which equals this when L
/// divides n but otherwise widens only the last level: with a few bins per level, the winners cluster just short of
/// multiples of L bins and move with the histogram's resolution.
/// Both are normalized; KL is +∞ where P has mass that Q has none for (a window ending in empty bins with values beyond).
/// Prefix sums make one window O(L) instead of O(bins).
/// </summary>
internal sealed class ClippingDivergence
{
    private readonly long[] _counts;
    private readonly double[] _sum;          // Σ c over bins [0, k)
    private readonly double[] _sumCLogC;     // Σ c·ln c over bins [0, k)
    private readonly int[] _nonZero;         // number of non-empty bins in [0, k)
    private readonly double _total;

    /// <summary>Prepares the prefix sums of <paramref name="counts"/> (not copied; must not change).</summary>
    public ClippingDivergence(long[] counts)
    {
        _counts = counts;
        int n = counts.Length;
        _sum = new double[n + 1];
        _sumCLogC = new double[n + 1];
        _nonZero = new int[n + 1];
        for (int k = 0; k < n; k++)
        {
            double c = counts[k];
            _sum[k + 1] = _sum[k] + c;
            _sumCLogC[k + 1] = _sumCLogC[k] + XLogX(c);
            _nonZero[k + 1] = _nonZero[k] + (c != 0 ? 1 : 0);
        }
        _total = _sum[n];
    }

    /// <summary>KL(P‖Q) for the window of bins [<paramref name="start"/>, <paramref name="stop"/>) and <paramref name="levels"/> levels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is outside the histogram, or narrower than <paramref name="levels"/> bins (a level must span at least one bin), or <paramref name="levels"/> is below 2.</exception>
    public double Divergence(int start, int stop, int levels)
    {
        if (levels < 2 || start < 0 || stop > _counts.Length || stop - start < levels)
        {
            throw new ArgumentOutOfRangeException(nameof(levels), $"window [{start}, {stop}) of {_counts.Length} bins cannot hold {levels} levels of at least one bin");
        }
        double below = _sum[start], above = _total - _sum[stop], inside = _total - below - above;
        if (inside <= 0)
        {
            return double.PositiveInfinity;
        }
        // P differs from the counts only in the window's first and last bin, which lie wholly in the first and last level.
        double firstP = _counts[start] + below, lastP = _counts[stop - 1] + above;
        double pLogP = _sumCLogC[stop] - _sumCLogC[start]
            - XLogX(_counts[start]) + XLogX(firstP) - XLogX(_counts[stop - 1]) + XLogX(lastP);

        double width = (double)(stop - start) / levels; // exact: levels is a power of two in practice, and ≥ 1 bin
        double pLogQ = 0;
        double previousDensity = 0;
        for (int j = 0; j < levels; j++)
        {
            double from = start + j * width, to = j == levels - 1 ? stop : start + (j + 1) * width;
            int firstWhole = (int)Math.Ceiling(from), endWhole = (int)Math.Floor(to);
            double leftPart = firstWhole - from, rightPart = to - endWhole; // overlaps with the cut bins firstWhole − 1 and endWhole
            double mass = _sum[endWhole] - _sum[firstWhole];
            double support = _nonZero[endWhole] - _nonZero[firstWhole];
            double wholeP = mass;
            if (j == 0)
            {
                support += Indicator(firstP) - Indicator(_counts[start]);
                wholeP += below;
            }
            if (j == levels - 1)
            {
                support += Indicator(lastP) - Indicator(_counts[stop - 1]);
                wholeP += above;
            }
            if (leftPart > 0)
            {
                mass += leftPart * _counts[firstWhole - 1];
                support += leftPart * Indicator(_counts[firstWhole - 1]);
            }
            if (rightPart > 0)
            {
                mass += rightPart * _counts[endWhole];
                support += rightPart * Indicator(_counts[endWhole]);
            }
            double density = support > 0 ? mass / support : 0;
            if (wholeP > 0)
            {
                if (density == 0)
                {
                    return double.PositiveInfinity;
                }
                pLogQ += wholeP * Math.Log(density);
            }
            if (leftPart > 0 && _counts[firstWhole - 1] != 0)
            {
                // The cut bin at this level's left edge: its share of the previous level's density plus its share of this one's.
                double q = (1 - leftPart) * previousDensity + leftPart * density;
                pLogQ += _counts[firstWhole - 1] * Math.Log(q);
            }
            previousDensity = density;
        }
        return (pLogP - pLogQ) / _total + Math.Log(inside / _total);
    }

    private static double Indicator(double count) => count != 0 ? 1 : 0;

    private static double XLogX(double x) => x > 0 ? x * Math.Log(x) : 0;
}
