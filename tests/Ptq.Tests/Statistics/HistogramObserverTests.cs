using Ptq.Statistics;

namespace Ptq.Tests.Statistics;

public class HistogramObserverTests
{
    [Fact]
    public void Symmetric_FirstBatch_UsesSmallestPowerOfTwoRange()
    {
        var h = new HistogramObserver("t", 16);
        h.Observe([-1.5f, 0f, 0.1f, 3f]);
        var s = h.ToHistogram()!;
        // max|x| = 3 needs R > 3 with R = 8·2^e → e = -1 (R = 4), width 0.5.
        Assert.Equal(-4.0, s.Min);
        Assert.Equal(4.0, s.Max);
        Assert.Equal(0.5, s.BinWidth);
        var expected = new long[16];
        expected[5]++;  // -1.5 → floor(-3) + 8
        expected[8]++;  // 0
        expected[8]++;  // 0.1
        expected[14]++; // 3 → 6 + 8
        Assert.Equal(expected, s.Counts.ToArray());
    }

    [Theory]
    [InlineData(nameof(HistogramRangeMode.Symmetric))]
    [InlineData(nameof(HistogramRangeMode.MinMax))]
    public void Growth_EqualsDirectBinningOnFinalGrid(string modeName)
    {
        var mode = Enum.Parse<HistogramRangeMode>(modeName);
        var rng = new Random(1234);
        var h = new HistogramObserver("t", 64, mode);
        var all = new List<float>();
        for (int b = 0; b < 12; b++)
        {
            double scale = Math.Pow(3, b % 6) * 0.01;
            var x = Enumerable.Range(0, 200).Select(_ => (float)((rng.NextDouble() - 0.4) * scale)).ToArray();
            all.AddRange(x);
            h.Observe(x);
        }
        var s = h.ToHistogram()!;
        var expected = new long[64];
        foreach (float v in all)
        {
            expected[(int)(Math.Floor(v / s.BinWidth) - s.Min / s.BinWidth)]++;
        }
        Assert.Equal(expected, s.Counts.ToArray());
        Assert.Equal(all.Count, s.TotalCount);
        Assert.True(s.Min <= all.Min() && s.Max > all.Max());
    }

    [Fact]
    public void AllZero_GivesTinyRange_ThatGrowsExactly()
    {
        var h = new HistogramObserver("t", 2048);
        h.Observe(new float[100]);
        Assert.Equal(100, h.ToHistogram()!.Counts[1024]);
        h.Observe([1f]);
        var s = h.ToHistogram()!;
        Assert.Equal(100, s.Counts[1024]);
        Assert.Equal(1, s.Counts[1024 + 512]); // width 2^-9
    }

    [Fact]
    public void FoldAbsolute_MapsNegativeBinsMirrored()
    {
        var h = new Histogram(-2, 2, [1, 2, 3, 4]); // width 1: [-2,-1) [-1,0) [0,1) [1,2)
        var f = h.FoldAbsolute();
        Assert.Equal(0.0, f.Min);
        Assert.Equal(new long[] { 5, 5 }, f.Counts.ToArray());
        var p = h.PositiveHalf();
        Assert.Equal(new long[] { 6, 4 }, p.Counts.ToArray());
    }

    [Fact]
    public void Constructor_RejectsNonGridRanges()
    {
        Assert.Throws<ArgumentException>(() => new Histogram(0, 3, [1, 1, 1, 1]));   // width 0.75
        Assert.Throws<ArgumentException>(() => new Histogram(0.5, 4.5, [1, 1, 1, 1])); // min not multiple of 1
    }
}
