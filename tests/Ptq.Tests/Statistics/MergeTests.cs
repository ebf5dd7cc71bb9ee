using Ptq.Statistics;

namespace Ptq.Tests.Statistics;

public class MergeTests
{
    private static List<float[]> Batches(Random rng, int count, int size, double scale, double offset) =>
        Enumerable.Range(0, count)
            .Select(b => Enumerable.Range(0, size).Select(_ => rng.NextDouble() < 0.05 ? 0f : (float)(offset + scale * (b + 1) * (rng.NextDouble() - 0.5))).ToArray())
            .ToList();

    private static void AssertRel(double expected, double actual, double rel = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1e-300, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData(nameof(HistogramRangeMode.Symmetric))]
    [InlineData(nameof(HistogramRangeMode.MinMax))]
    public void ShardsMerged_EqualOnePass(string modeName)
    {
        var mode = Enum.Parse<HistogramRangeMode>(modeName);
        var rng = new Random(1234);
        var options = new StatisticsOptions { Kinds = StatisticKinds.AllPerTensor | StatisticKinds.PerChannel, Channels = 4, ChannelAxis = 1, HistogramMode = mode, HistogramBins = 256 };
        var a = Batches(rng, 5, 4 * 50, 1.0, 0.3);
        var b = Batches(rng, 7, 4 * 50, 3.0, -0.2);
        int[] shape = [1, 4, 50];

        var single = new TensorStatistics("x", options);
        var shardA = new TensorStatistics("x", options);
        var shardB = new TensorStatistics("x", options);
        foreach (var x in a) { single.Observe(x, shape); shardA.Observe(x, shape); }
        foreach (var x in b) { single.Observe(x, shape); shardB.Observe(x, shape); }
        shardA.Merge(shardB);

        var s = single.ToStats();
        var m = shardA.ToStats();
        Assert.Equal(s.Count, m.Count);
        Assert.Equal(s.Batches, m.Batches);
        Assert.Equal(s.Min, m.Min);
        Assert.Equal(s.Max, m.Max);
        Assert.Equal(s.Zeros, m.Zeros);
        AssertRel(s.Average!.Min, m.Average!.Min);
        AssertRel(s.Average.Max, m.Average.Max);
        AssertRel(s.Ema!.Min, m.Ema!.Min);
        AssertRel(s.Ema.Max, m.Ema.Max);
        AssertRel(s.Moments!.Mean, m.Moments!.Mean);
        AssertRel(s.Moments.M2, m.Moments.M2);
        AssertRel(s.Moments.AbsMean!.Value, m.Moments.AbsMean!.Value);
        AssertRel(s.Moments.MeanAbsDeviation, m.Moments.MeanAbsDeviation);
        Assert.Equal(s.Histogram!.Min, m.Histogram!.Min);
        Assert.Equal(s.Histogram.Max, m.Histogram.Max);
        Assert.Equal(s.Histogram.Counts.ToArray(), m.Histogram.Counts.ToArray());
        Assert.Equal(s.PerChannel!.Min, m.PerChannel!.Min);
        Assert.Equal(s.PerChannel.Max, m.PerChannel.Max);
    }

    [Fact]
    public void Histograms_WithUnrelatedRanges_MergeBinForBin()
    {
        var rng = new Random(1234);
        var single = new HistogramObserver("x", 2048);
        var a = new HistogramObserver("x", 2048);
        var b = new HistogramObserver("x", 2048);
        for (int i = 0; i < 10; i++)
        {
            var xa = Enumerable.Range(0, 500).Select(_ => (float)(rng.NextDouble() * 0.37)).ToArray();
            var xb = Enumerable.Range(0, 500).Select(_ => (float)((rng.NextDouble() - 0.9) * 13.1)).ToArray();
            single.Observe(xa); a.Observe(xa);
            single.Observe(xb); b.Observe(xb);
        }
        b.Merge(a);
        Assert.Equal(single.ToHistogram()!.Counts.ToArray(), b.ToHistogram()!.Counts.ToArray());
        Assert.Equal(single.ToHistogram()!.Min, b.ToHistogram()!.Min);
    }

    [Fact]
    public void Merge_RejectsDifferentOptions()
    {
        var a = new TensorStatistics("x", new StatisticsOptions { HistogramBins = 2048 });
        var b = new TensorStatistics("x", new StatisticsOptions { HistogramBins = 4096 });
        Assert.Throws<ArgumentException>(() => a.Merge(b));
    }

    [Fact]
    public void ObserversOfDifferentTensors_RunInParallel_SameAsSequential()
    {
        var rng = new Random(1234);
        var data = Enumerable.Range(0, 8).Select(_ => Batches(rng, 10, 1000, 2.0, 0.1)).ToArray();
        var parallel = data.Select((_, i) => new TensorStatistics($"t{i}")).ToArray();
        Parallel.For(0, data.Length, i => { foreach (var x in data[i]) parallel[i].Observe(x); });
        for (int i = 0; i < data.Length; i++)
        {
            var seq = new TensorStatistics($"t{i}");
            foreach (var x in data[i]) seq.Observe(x);
            Assert.Equal(seq.ToStats().Moments, parallel[i].ToStats().Moments);
            Assert.Equal(seq.ToStats().Histogram!.Counts.ToArray(), parallel[i].ToStats().Histogram!.Counts.ToArray());
        }
    }
}
