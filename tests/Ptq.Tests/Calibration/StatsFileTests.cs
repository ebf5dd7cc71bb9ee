using Ptq.Calibration;
using Ptq.Statistics;

namespace Ptq.Tests.Calibration;

public class StatsFileTests
{
    private static TensorStatistics Observe(string name, StatisticsOptions options, IEnumerable<float[]> batches)
    {
        var s = new TensorStatistics(name, options);
        foreach (var b in batches) s.Observe(b, [1, 4, b.Length / 4]);
        return s;
    }

    private static List<float[]> Batches(Random rng, int n, double scale) =>
        Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 400).Select(_ => rng.NextDouble() < 0.1 ? 0f : (float)((rng.NextDouble() - 0.45) * scale * Math.PI)).ToArray()).ToList();

    private static readonly StatisticsOptions Full = new() { Kinds = StatisticKinds.AllPerTensor | StatisticKinds.PerChannel, Channels = 4, ChannelAxis = -2 };

    private static void AssertSame(TensorStats a, TensorStats b, double rel)
    {
        static void Near(double x, double y, double rel) => Assert.True(Math.Abs(x - y) <= rel * Math.Abs(x), $"{x:R} vs {y:R}");
        Assert.Equal(a.Name, b.Name);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Batches, b.Batches);
        Assert.Equal(a.Min, b.Min);
        Assert.Equal(a.Max, b.Max);
        Assert.Equal(a.Zeros, b.Zeros);
        Near(a.Average!.Min, b.Average!.Min, rel);
        Near(a.Average.Max, b.Average.Max, rel);
        Near(a.Ema!.Min, b.Ema!.Min, rel);
        Near(a.Ema.Max, b.Ema.Max, rel);
        Near(a.Moments!.Mean, b.Moments!.Mean, rel);
        Near(a.Moments.M2, b.Moments.M2, rel);
        Near(a.Moments.AbsMean!.Value, b.Moments.AbsMean!.Value, rel);
        Near(a.Moments.MeanAbsDeviation, b.Moments.MeanAbsDeviation, rel);
        Assert.Equal(a.HistogramMode, b.HistogramMode);
        Assert.Equal(a.Histogram!.Min, b.Histogram!.Min);
        Assert.Equal(a.Histogram.Max, b.Histogram.Max);
        Assert.Equal(a.Histogram.Counts.ToArray(), b.Histogram.Counts.ToArray());
        Assert.Equal(a.PerChannel!.Axis, b.PerChannel!.Axis);
        Assert.Equal(a.PerChannel.Min, b.PerChannel.Min);
        Assert.Equal(a.PerChannel.Max, b.PerChannel.Max);
    }

    [Fact]
    public void RoundTrip_IsExact()
    {
        var rng = new Random(1234);
        var file = new StatsFile(12, [
            Observe("conv1/out", Full, Batches(rng, 6, 1.7)).ToStats(),
            Observe("fc.weird \"name\"", Full with { HistogramMode = HistogramRangeMode.MinMax }, Batches(rng, 3, 0.01)).ToStats(),
        ]);
        string json = file.ToJson();
        Assert.Contains("\"format\": \"ptq-stats\"", json);
        Assert.Contains("\"version\": 1", json);
        var back = StatsFile.Parse(json);
        Assert.Equal(12, back.Samples);
        Assert.Equal(file.Tensors.Keys, back.Tensors.Keys);
        foreach (var name in file.Tensors.Keys)
        {
            AssertSame(file.Tensors[name], back.Tensors[name], 0); // bit-exact
        }
        Assert.Equal(json, back.ToJson());

        string path = Path.Combine(Path.GetTempPath(), $"ptq-stats-{Guid.NewGuid():N}.json");
        try
        {
            file.Save(path);
            Assert.Equal(json, StatsFile.Load(path).ToJson());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Merge_OfShardFiles_EqualsOnePass()
    {
        var rng = new Random(1234);
        var a = Batches(rng, 5, 1.0);
        var b = Batches(rng, 4, 5.0);
        var single = Observe("t", Full, a.Concat(b)).ToStats();
        // Shards go through JSON like real `ptq stats merge` inputs.
        var fa = StatsFile.Parse(new StatsFile(5, [Observe("t", Full, a).ToStats()]).ToJson());
        var fb = StatsFile.Parse(new StatsFile(4, [Observe("t", Full, b).ToStats()]).ToJson());
        var merged = StatsFile.Merge(fa, fb);
        Assert.Equal(9, merged.Samples);
        AssertSame(single, merged.Tensors["t"], 1e-12);
    }

    [Fact]
    public void Merge_WithDifferentTensorSets_NamesThem()
    {
        var fa = new StatsFile(1, [new TensorStats { Name = "a", Count = 1 }, new TensorStats { Name = "both", Count = 1 }]);
        var fb = new StatsFile(1, [new TensorStats { Name = "b", Count = 1 }, new TensorStats { Name = "both", Count = 1 }]);
        var ex = Assert.Throws<StatsFileException>(() => StatsFile.Merge(fa, fb));
        Assert.Contains("only in the first: [a]", ex.Message);
        Assert.Contains("only in the second: [b]", ex.Message);
    }

    [Theory]
    [InlineData("{", "(line")]
    [InlineData("""{"format":"other","version":1,"samples":1,"tensors":{}}""", "field 'format'")]
    [InlineData("""{"format":"ptq-stats","version":2,"samples":1,"tensors":{}}""", "field 'version'")]
    [InlineData("""{"format":"ptq-stats","version":1,"samples":1,"tensors":{"x":{"count":1,"batches":1,"min":0}}}""", "field 'tensors.x.max'")]
    [InlineData("""{"format":"ptq-stats","version":1,"samples":1,"tensors":{"x":{"count":1,"batches":1,"min":0,"max":"a"}}}""", "field 'tensors.x.max'")]
    [InlineData("""{"format":"ptq-stats","version":1,"samples":1,"tensors":{"x":{"count":1,"batches":1,"min":0,"max":1,"histogram":{"mode":"symmetric","min":-1,"max":1,"counts":[1,-2]}}}}""", "field 'tensors.x.histogram.counts[1]'")]
    [InlineData("""{"format":"ptq-stats","version":1,"samples":1,"tensors":{"x":{"count":1,"batches":1,"min":0,"max":1,"histogram":{"mode":"symmetric","min":-1,"max":2,"counts":[1,2]}}}}""", "field 'tensors.x.histogram'")]
    public void BadFiles_NameFileAndField(string json, string expected)
    {
        var ex = Assert.Throws<StatsFileException>(() => StatsFile.Parse(json, "shard7.json"));
        Assert.Contains("shard7.json", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.IsAssignableFrom<PtqException>(ex);
    }

    /// <summary>A Distiller stats YAML of two layers (also a seed of the parser fuzzer).</summary>
    internal const string DistillerYaml = """
        conv1:
          inputs:
            0:
              min: -2.1179
              max: 2.64
              avg_min: -2.0
              avg_max: 2.5
              mean: 0.0123
              std: 1.25
              b: 0.98
              shape: (1, 3, 4, 4)
          output:
            min: 0.0
            max: 7.5
            avg_min: 0.0
            avg_max: 6.25
            mean: 0.5
            std: 0.75
            b: 0.5
            shape: (1, 8, 2, 2)
        fc:
          output:
            min: -1.0e+1
            max: 12
            avg_min: -9
            avg_max: 11
            mean: 0
            std: 3
            b: 2
        """;

    [Fact]
    public void Distiller_Yaml_MapsToStatistics()
    {
        var f = DistillerStatsReader.Parse(DistillerYaml, "acts_quantization_stats.yaml");
        Assert.Equal(new[] { "conv1/inputs/0", "conv1/output", "fc/output" }, f.Tensors.Keys.ToArray());
        var input = f.Tensors["conv1/inputs/0"];
        Assert.Equal(-2.1179, input.Min);
        Assert.Equal(2.64, input.Max);
        Assert.Equal(new AverageRange(-2.0, 2.5), input.Average);
        Assert.Equal(48, input.Count);
        Assert.Equal(0.0123, input.Moments!.Mean);
        Assert.Equal(1.25, input.StandardDeviation!.Value, 1e-15);
        Assert.Equal(0.98, input.Moments.MeanAbsDeviation);
        Assert.Null(input.Histogram);
        var fc = f.Tensors["fc/output"];
        Assert.Equal(-10, fc.Min);
        Assert.Equal(1, fc.Count);
        Assert.Equal(3, fc.StandardDeviation!.Value, 1e-15);
        // Distiller stats drive the moment-based estimators: ACIQ Laplace 4-bit sym = |0| + 5.03·2 (below max|x| = 12)
        Assert.Equal((float)(5.03 * 2), new AciqLaplaceEstimator().Estimate(fc, new QuantTarget(4, true, true)).Max);
        Assert.Equal(new FloatRange(-9, 11), new AverageEstimator().Estimate(fc, QuantTarget.UInt8Asymmetric));
        // ...and round-trip through the Ptq JSON format (AbsMean stays unknown).
        Assert.Null(StatsFile.Parse(f.ToJson()).Tensors["fc/output"].Moments!.AbsMean);
    }

    [Fact]
    public void Distiller_BadFields_NameFileAndField()
    {
        var ex = Assert.Throws<StatsFileException>(() => DistillerStatsReader.Parse(DistillerYaml.Replace("std: 3", "std: three"), "d.yaml"));
        Assert.Contains("d.yaml", ex.Message);
        Assert.Contains("fc.output.std", ex.Message);
        var missing = Assert.Throws<StatsFileException>(() => DistillerStatsReader.Parse(DistillerYaml.Replace("    b: 2", ""), "d.yaml"));
        Assert.Contains("fc.output.b", missing.Message);
    }
}
