namespace Ptq.Reports;

/// <summary>Builds <see cref="ValueHistogram"/>s from reservoir samples.</summary>
internal static class Histograms
{
    /// <summary>
    /// Equal bins over the union of the values' range and the quantization range [<paramref name="rangeMin"/>,
    /// <paramref name="rangeMax"/>], so the clipping bounds are always inside the plot; null when there are no finite values.
    /// </summary>
    public static ValueHistogram? Of(QuantileReservoir reservoir, TensorSummary summary, float rangeMin, float rangeMax, int bins)
    {
        if (summary.Count == 0 || !double.IsFinite(summary.Min) || !double.IsFinite(summary.Max)) return null;
        double lo = Math.Min(summary.Min, rangeMin), hi = Math.Max(summary.Max, rangeMax);
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) return null;
        if (hi <= lo) hi = lo + 1;
        double width = (hi - lo) / bins;
        var counts = new long[bins];
        foreach (float v in reservoir.Sample)
        {
            if (!float.IsFinite(v)) continue;
            int bin = (int)((v - lo) / width);
            counts[Math.Clamp(bin, 0, bins - 1)]++;
        }
        return new ValueHistogram(lo, width, counts, !reservoir.IsExact);
    }
}
