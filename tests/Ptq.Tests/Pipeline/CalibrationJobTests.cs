using Ptq.Calibration;
using Ptq.Demo;
using Ptq.Pipeline;

namespace Ptq.Tests.Pipeline;

public class CalibrationJobTests
{
    [Fact]
    public void MergedShardsEqualOnePassOverAllSamples()
    {
        var settings = new CalibrationSettings();
        var samples = DemoData.Feeds(12).ToList();
        var whole = CalibrationJob.Run(DemoModel.Build(), samples, samples.Count, settings);
        var shards = Enumerable.Range(1, 3)
            .Select(k => CalibrationJob.Run(DemoModel.Build(), new Shard(k, 3).Select(samples).ToList(), null, settings))
            .ToList();
        var merged = StatsFile.Merge(StatsFile.Merge(shards[0], shards[1]), shards[2]);

        Assert.Equal(12, whole.Samples);
        Assert.Equal(whole.Samples, merged.Samples);
        Assert.Equal(whole.Tensors.Keys.Order(), merged.Tensors.Keys.Order());
        foreach (var (name, stats) in whole.Tensors)
        {
            var other = merged.Tensors[name];
            Assert.Equal(stats.Min, other.Min);
            Assert.Equal(stats.Max, other.Max);
            Assert.Equal(stats.Count, other.Count);
            Assert.Equal(stats.Histogram!.Counts, other.Histogram!.Counts);
        }
        // The input and every float activation of the prepared (BN-folded) model are covered.
        Assert.Contains(DemoModel.InputName, whole.Tensors.Keys);
        Assert.Contains("stem_out", whole.Tensors.Keys);
        Assert.Contains(DemoModel.OutputName, whole.Tensors.Keys);
        Assert.Equal(0f, whole.Tensors["stem_out"].Min); // after Relu
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/4", 3, 4)]
    public void ShardParses(string text, int index, int count) => Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("a/b")]
    [InlineData("1")]
    public void BadShardIsRefusedNamingTheOption(string text) =>
        Assert.Contains("--shard", Assert.ThrowsAny<PtqException>(() => Shard.Parse(text)).MessageIn(OptionSpelling.Flags), StringComparison.Ordinal);

    [Fact]
    public void ShardCountsAddUp()
    {
        Assert.Equal(10, Enumerable.Range(1, 3).Sum(k => new Shard(k, 3).CountOf(10)));
        Assert.Equal(4, new Shard(1, 3).CountOf(10));
    }
}
