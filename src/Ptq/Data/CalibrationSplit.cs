namespace Ptq.Data;

/// <summary>
/// Keeps the samples a quantization fits (weight reconstruction) apart from those it is checked on (the accuracy guard's
/// and target searches' <see cref="ICalibrationSource.Spread"/> set): a check on samples the weights were fitted to
/// reports more than the model keeps on other data.
/// </summary>
internal static class CalibrationSplit
{
    /// <summary>The positions <see cref="ICalibrationSource.Spread"/> reads: ⌊j · <paramref name="total"/> / n⌋ for j &lt; n = min(<paramref name="count"/>, <paramref name="total"/>).</summary>
    public static int[] SpreadPositions(int total, int count)
    {
        int taken = Math.Min(count, total);
        return [.. Enumerable.Range(0, taken).Select(j => (int)((long)j * total / taken))];
    }

    /// <summary>
    /// Up to <paramref name="count"/> positions spread evenly over those <c>Spread(<paramref name="excluded"/>)</c> does not
    /// read, when at least <paramref name="count"/> are left; otherwise (too little data to keep apart) <c>Spread(<paramref name="count"/>)</c>'s.
    /// </summary>
    public static int[] OutsidePositions(int total, int count, int excluded)
    {
        var checkedPositions = SpreadPositions(total, excluded).ToHashSet();
        var rest = Enumerable.Range(0, total).Where(i => !checkedPositions.Contains(i)).ToList();
        return rest.Count < count ? SpreadPositions(total, count) : [.. SpreadPositions(rest.Count, count).Select(p => rest[p])];
    }

    /// <summary>The samples of <see cref="OutsidePositions"/>; enumerates the source once, decoding every sample.</summary>
    public static IEnumerable<CalibrationSample> SpreadOutside(this ICalibrationSource source, int count, int excluded)
    {
        var chosen = OutsidePositions(source.Count, count, excluded).ToHashSet();
        return source.Where((_, i) => chosen.Contains(i));
    }
}
