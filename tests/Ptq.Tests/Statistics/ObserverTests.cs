using Ptq.Statistics;

namespace Ptq.Tests.Statistics;

public class ObserverTests
{
    [Fact]
    public void MinMax_KnownData()
    {
        var o = new MinMaxObserver("t");
        o.Observe([1f, -2f, 3.5f]);
        o.Observe([]);
        o.Observe([0.25f, 7f]);
        Assert.Equal(-2.0, o.Min);
        Assert.Equal(7.0, o.Max);
        Assert.Equal(5, o.Count);
    }

    [Fact]
    public void Average_IsMeanOfBatchExtremes()
    {
        var o = new AverageMinMaxObserver("t");
        o.Observe([1f, -2f, 3f]);   // -2, 3
        o.Observe([0f, 5f]);        // 0, 5
        o.Observe([-4f, -1f]);      // -4, -1
        Assert.Equal(3, o.Batches);
        Assert.Equal(-2.0, o.AverageMin, 1e-15);
        Assert.Equal(7.0 / 3, o.AverageMax, 1e-15);
    }

    [Fact]
    public void Ema_IsBiasCorrected()
    {
        var o = new EmaMinMaxObserver("t", 0.5);
        o.Observe([1f, 10f]);
        o.Observe([2f, 20f]);
        o.Observe([3f, 30f]);
        // biased: 0.5, 1.25, 2.125; correction 1 - 0.5^3 = 0.875.
        Assert.Equal(2.125 / 0.875, o.EmaMin, 1e-14);
        Assert.Equal(21.25 / 0.875, o.EmaMax, 1e-14);
    }

    [Fact]
    public void Moments_KnownData()
    {
        var o = new MomentsObserver("t");
        o.Observe([1f, 2f, 3f]);
        o.Observe([4f, -10f]);
        // values 1,2,3,4,-10: mean 0, M2 = 1+4+9+16+100 = 130, mean|x| = 4
        Assert.Equal(0.0, o.Mean, 1e-15);
        Assert.Equal(130.0, o.M2, 1e-12);
        Assert.Equal(26.0, o.Variance, 1e-12);
        Assert.Equal(4.0, o.AbsMean, 1e-15);
        // batch 1: mean 2, mean|x-2| = 2/3 (sum 2); batch 2: mean -3, |7|+|7| = 14 → (2 + 14)/5
        Assert.Equal(16.0 / 5, o.MeanAbsDeviation, 1e-14);
    }

    [Fact]
    public void Moments_StableForLargeOffset()
    {
        var o = new MomentsObserver("t");
        var rng = new Random(1234);
        for (int b = 0; b < 20; b++)
        {
            o.Observe(Enumerable.Range(0, 1000).Select(_ => 1e6f + (rng.Next(2) == 0 ? -1f : 1f)).ToArray());
        }
        // ±1 around 1e6 (exact in float): variance ≈ 1 (−mean² offset would destroy a naive Σx² formula).
        Assert.Equal(1.0, o.Variance, 0.01);
    }

    [Fact]
    public void Zeros_CountsSignedZeros()
    {
        var o = new ZeroCountObserver("t");
        o.Observe([0f, -0f, 1f, 2f]);
        Assert.Equal(2, o.Zeros);
        Assert.Equal(0.5, o.Sparsity);
    }

    [Fact]
    public void PerChannel_AlongAxis1_And_LastAxis()
    {
        // shape [2,3,2]: value = 100*n + 10*c + w
        var shape = new[] { 2, 3, 2 };
        var x = new float[12];
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int w = 0; w < 2; w++)
                    x[n * 6 + c * 2 + w] = 100 * n + 10 * c + w;
        var o = new PerChannelMinMaxObserver("t", 1, 3);
        o.Observe(x, shape);
        Assert.Equal(new[] { 0.0, 10, 20 }, o.Min.ToArray());
        Assert.Equal(new[] { 101.0, 111, 121 }, o.Max.ToArray());

        var last = new PerChannelMinMaxObserver("t", -1, 2);
        last.Observe(x, shape);
        Assert.Equal(new[] { 0.0, 1 }, last.Min.ToArray());
        Assert.Equal(new[] { 120.0, 121 }, last.Max.ToArray());

        Assert.Throws<ArgumentException>(() => o.Observe(x, [2, 2, 3]));
    }

    [Fact]
    public void NonFinite_IsReportedWithTensorNameAndIndex()
    {
        float[] bad = [1f, 2f, float.NaN, 4f];
        var ex = Assert.Throws<NonFiniteTensorException>(() => new MinMaxObserver("conv1/out").Observe(bad));
        Assert.Equal("conv1/out", ex.TensorName);
        Assert.Equal(2, ex.Index);
        Assert.Contains("conv1/out", ex.Message);
        Assert.IsAssignableFrom<PtqException>(ex);
        float[] inf = [1f, float.PositiveInfinity];
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new MomentsObserver("m").Observe(inf)).Index);
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new ZeroCountObserver("z").Observe(inf)).Index);
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new HistogramObserver("h").Observe(inf)).Index);
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new EmaMinMaxObserver("e").Observe(inf)).Index);
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new AverageMinMaxObserver("a").Observe(inf)).Index);
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new PerChannelMinMaxObserver("p", 0, 2).Observe(inf, [2])).Index);
        Assert.Equal(1, Assert.Throws<NonFiniteTensorException>(() => new TensorStatistics("s").Observe(inf)).Index);
    }
}
