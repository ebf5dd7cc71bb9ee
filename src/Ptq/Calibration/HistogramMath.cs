using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>Histogram helpers shared by the histogram-based estimators.</summary>
internal static class HistogramMath
{
    /// <summary>
    /// Value below which a fraction <paramref name="q"/> of the counts lie, assuming values are spread uniformly inside each bin
    /// (linear interpolation within the bin that crosses q·total).
    /// </summary>
    public static double Quantile(Histogram h, double q)
    {
        var counts = h.Counts;
        double target = Math.Clamp(q, 0, 1) * h.TotalCount;
        double cumulative = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            if (cumulative + counts[i] >= target)
            {
                double fraction = (target - cumulative) / counts[i];
                return h.LowerEdge(i) + fraction * h.BinWidth;
            }
            cumulative += counts[i];
        }
        return h.Max;
    }

    /// <summary>Index one past the last non-zero bin (0 when empty).</summary>
    public static int UsedBins(Histogram h)
    {
        var counts = h.Counts;
        int n = counts.Length;
        while (n > 0 && counts[n - 1] == 0)
        {
            n--;
        }
        return n;
    }

    /// <summary>|x| histogram for symmetric signed targets, the positive half for unsigned ones.</summary>
    public static Histogram Magnitudes(Histogram h, QuantTarget target) => target.Signed ? h.FoldAbsolute() : h.PositiveHalf();
}
