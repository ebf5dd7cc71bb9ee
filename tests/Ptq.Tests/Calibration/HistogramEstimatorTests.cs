using Ptq.Calibration;
using Ptq.Statistics;

namespace Ptq.Tests.Calibration;

public class HistogramEstimatorTests
{
    [Fact]
    public void Percentile_IsExactOnUniformData()
    {
        const int n = 200_000;
        // Exactly uniform on [−1, 1): the interpolated quantile is exact up to 1/n.
        var x = Enumerable.Range(0, n).Select(i => (float)(-1 + 2 * (i + 0.5) / n)).ToArray();
        var stats = EstimatorTestData.Collect("u", EstimatorTestData.Chunks(x));
        var sym = new PercentileEstimator(99.9).Estimate(stats, QuantTarget.Int8Symmetric);
        Assert.Equal(0.999, sym.Max, 2e-5);
        var asym = new PercentileEstimator(99).Estimate(stats, QuantTarget.UInt8Asymmetric);
        Assert.Equal(-0.98, asym.Min, 2e-5);
        Assert.Equal(0.98, asym.Max, 2e-5);
        var all = new PercentileEstimator(100).Estimate(stats, QuantTarget.UInt8Asymmetric);
        Assert.Equal(stats.Min, all.Min);
        Assert.Equal(stats.Max, all.Max);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Mse_OnLaplace_LandsNearAnalyticOptimum(int bits)
    {
        var rng = new Random(1234);
        var x = EstimatorTestData.Laplace(1_000_000, 1, rng);
        var stats = EstimatorTestData.Collect("l", EstimatorTestData.Chunks(x, 65536));
        var r = new MseEstimator().Estimate(stats, new QuantTarget(bits, true, true));
        // Same error model in closed form: 2b²e^(−a/b) + (2a/(2^bits−1))²/12 with b = 1.
        double steps = Math.Pow(2, bits) - 1;
        double optimum = EstimatorTestData.ArgMin(a => 2 * Math.Exp(-a) + Math.Pow(2 * a / steps, 2) / 12, 0.1, 30);
        Assert.InRange(r.Max / optimum, 0.95, 1.05);
        // And near ACIQ's table value (which uses 2^bits instead of 2^bits − 1 steps).
        double aciq = bits == 4 ? 5.03 : 9.89;
        Assert.InRange(r.Max / aciq, 0.9, 1.06);
    }

    [Fact]
    public void Mse_Asymmetric_ShrinksBothEnds()
    {
        var rng = new Random(1234);
        var x = EstimatorTestData.Laplace(500_000, 1, rng).Select(v => v + 1).ToArray();
        var stats = EstimatorTestData.Collect("l", EstimatorTestData.Chunks(x), mode: HistogramRangeMode.MinMax);
        var r = new MseEstimator().Estimate(stats, new QuantTarget(4, false, false));
        Assert.True(r.Min > stats.Min && r.Max < stats.Max, r.ToString());
        Assert.True(r.Min < 0 && r.Max > 1, r.ToString());
    }
}
