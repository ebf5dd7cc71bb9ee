namespace Ptq.Statistics;

/// <summary>
/// Merges two snapshots of the same tensor by rebuilding the observers and using their exact merge rules
/// (b counts as the later shard for the EMA). Used for stats-file shards.
/// </summary>
internal static class TensorStatsMerger
{
    /// <summary>Returns the statistics of a followed by b.</summary>
    /// <exception cref="ArgumentException">One side has a statistic the other lacks, or the two are incompatible
    /// (histogram bins/mode, EMA momentum, channel count/axis).</exception>
    public static TensorStats Merge(TensorStats a, TensorStats b)
    {
        string name = a.Name;
        if (a.Count == 0)
        {
            return b with { Name = name };
        }
        if (b.Count == 0)
        {
            return a;
        }
        Same(a.Average, b.Average, name, "avgMin/avgMax");
        Same(a.Ema, b.Ema, name, "emaMin/emaMax");
        Same(a.Moments, b.Moments, name, "moments");
        Same(a.Zeros, b.Zeros, name, "zeros");
        Same(a.Histogram, b.Histogram, name, "histogram");
        Same(a.PerChannel, b.PerChannel, name, "perChannel");
        Same(a.ChannelMeans, b.ChannelMeans, name, "channelMeans");

        AverageRange? average = null;
        if (a.Average is not null)
        {
            var o = AverageMinMaxObserver.FromAverages(name, a.Batches, a.Average.Min, a.Average.Max);
            o.Merge(AverageMinMaxObserver.FromAverages(name, b.Batches, b.Average!.Min, b.Average.Max));
            average = new AverageRange(o.AverageMin, o.AverageMax);
        }
        EmaRange? ema = null;
        if (a.Ema is not null)
        {
            var o = EmaMinMaxObserver.FromAverages(name, a.Ema.Momentum, a.Batches, a.Ema.Min, a.Ema.Max);
            o.Merge(EmaMinMaxObserver.FromAverages(name, b.Ema!.Momentum, b.Batches, b.Ema.Min, b.Ema.Max));
            ema = new EmaRange(o.Momentum, o.EmaMin, o.EmaMax);
        }
        Moments? moments = null;
        if (a.Moments is { } ma && b.Moments is { } mb)
        {
            var o = MomentsObserver.FromMoments(name, a.Count, ma.Mean, ma.M2, ma.AbsMean ?? 0, ma.MeanAbsDeviation);
            o.Merge(MomentsObserver.FromMoments(name, b.Count, mb.Mean, mb.M2, mb.AbsMean ?? 0, mb.MeanAbsDeviation));
            moments = new Moments(o.Mean, o.M2, ma.AbsMean is null || mb.AbsMean is null ? null : o.AbsMean, o.MeanAbsDeviation);
        }
        Histogram? histogram = null;
        if (a.Histogram is not null)
        {
            if (a.HistogramMode != b.HistogramMode)
            {
                throw new ArgumentException($"Tensor '{name}': histogram modes differ ({a.HistogramMode} vs {b.HistogramMode}).");
            }
            var o = HistogramObserver.FromHistogram(name, a.Histogram, a.Min, a.Max, a.HistogramMode);
            o.Merge(HistogramObserver.FromHistogram(name, b.Histogram!, b.Min, b.Max, b.HistogramMode));
            histogram = o.ToHistogram();
        }
        PerChannelRange? perChannel = null;
        if (a.PerChannel is not null)
        {
            if (a.PerChannel.Axis != b.PerChannel!.Axis)
            {
                throw new ArgumentException($"Tensor '{name}': per-channel axes differ ({a.PerChannel.Axis} vs {b.PerChannel.Axis}).");
            }
            var o = PerChannelMinMaxObserver.FromRanges(name, a.PerChannel.Axis, a.PerChannel.Min.ToArray(), a.PerChannel.Max.ToArray(), a.Count);
            o.Merge(PerChannelMinMaxObserver.FromRanges(name, b.PerChannel.Axis, b.PerChannel.Min.ToArray(), b.PerChannel.Max.ToArray(), b.Count));
            perChannel = new PerChannelRange(o.Axis, o.Min.ToArray(), o.Max.ToArray());
        }
        ChannelMeans? channelMeans = null;
        if (a.ChannelMeans is not null && b.ChannelMeans is not null)
        {
            var o = ChannelMeanObserver.FromMeans(name, a.ChannelMeans);
            o.Merge(ChannelMeanObserver.FromMeans(name, b.ChannelMeans));
            channelMeans = o.ToMeans();
        }
        return new TensorStats
        {
            Name = name,
            Count = a.Count + b.Count,
            Batches = a.Batches + b.Batches,
            Min = Math.Min(a.Min, b.Min),
            Max = Math.Max(a.Max, b.Max),
            Average = average,
            Ema = ema,
            Moments = moments,
            Zeros = a.Zeros + b.Zeros,
            Histogram = histogram,
            HistogramMode = a.HistogramMode,
            PerChannel = perChannel,
            ChannelMeans = channelMeans,
        };
    }

    private static void Same(object? a, object? b, string name, string what)
    {
        if ((a is null) != (b is null))
        {
            throw new ArgumentException($"Tensor '{name}': one shard has {what} and the other does not; collect both with the same statistics.");
        }
    }
}
