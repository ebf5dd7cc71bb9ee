using Ptq.Calibration;
using Ptq.Statistics;

namespace Ptq.Tests.Calibration;

public class SimpleEstimatorTests
{
    private static readonly TensorStats Known = new()
    {
        Name = "t", Count = 1000, Batches = 10, Min = -1, Max = 3,
        Average = new AverageRange(-0.5, 2.5), Ema = new EmaRange(0.9, -0.25, 2.0),
        Moments = new Moments(0.5, 4000, 1.7, 1.5),
    };

    [Fact]
    public void MinMax_AllTargets()
    {
        var e = new MinMaxEstimator();
        Assert.Equal(new FloatRange(-1, 3), e.Estimate(Known, new QuantTarget(8, true, false)));
        Assert.Equal(new FloatRange(-3, 3), e.Estimate(Known, new QuantTarget(8, true, true)));
        Assert.Equal(new FloatRange(0, 3), e.Estimate(Known, new QuantTarget(8, false, true)));
        Assert.Equal(new FloatRange(0, 5), e.Estimate(Known with { Min = 2, Max = 5 }, QuantTarget.UInt8Asymmetric)); // 0 included
    }

    [Fact]
    public void Average_And_Ema()
    {
        Assert.Equal(new FloatRange(-0.5f, 2.5f), new AverageEstimator().Estimate(Known, QuantTarget.UInt8Asymmetric));
        Assert.Equal(new FloatRange(-2.5f, 2.5f), new AverageEstimator().Estimate(Known, QuantTarget.Int8Symmetric));
        Assert.Equal(new FloatRange(-0.25f, 2.0f), new EmaEstimator().Estimate(Known, QuantTarget.UInt8Asymmetric));
    }

    [Fact]
    public void NStd_IsMeanPlusMinusNStd_ClippedToObserved()
    {
        // σ = √(4000/1000) = 2 → 0.5 ± 6 = [−5.5, 6.5], clipped to [−1, 3]
        Assert.Equal(new FloatRange(-1f, 3f), new NStdEstimator(3).Estimate(Known, QuantTarget.UInt8Asymmetric));
        var wide = Known with { Min = -100, Max = 100 };
        Assert.Equal(new FloatRange(-5.5f, 6.5f), new NStdEstimator(3).Estimate(wide, QuantTarget.UInt8Asymmetric));
        Assert.Equal(new FloatRange(-2.5f, 2.5f), new NStdEstimator(1).Estimate(wide, QuantTarget.Int8Symmetric)); // |0.5| + 2
    }

    [Fact]
    public void AllZeroTensor_GivesSmallFiniteRange_ForEveryMethod()
    {
        var zeros = EstimatorTestData.Collect("z", [new float[1000], new float[10]]);
        foreach (var method in Enum.GetValues<CalibrationMethod>())
        {
            var estimator = RangeEstimators.Create(method);
            Assert.Equal(method, estimator.Method);
            foreach (var target in new[] { QuantTarget.Int8Symmetric, QuantTarget.UInt8Asymmetric, new QuantTarget(4, true, false), new QuantTarget(16, false, true) })
            {
                var r = estimator.Estimate(zeros, target);
                Assert.True(r.Min <= 0 && r.Max >= 0, $"{method} {target}: {r}");
                Assert.Equal(RangeFinalizer.MinimumWidth, r.Width, 1e-12);
            }
        }
    }

    [Fact]
    public void EveryMethod_OnGaussData_ContainsZero_IsFinite_WithinObserved()
    {
        var rng = new Random(1234);
        var stats = EstimatorTestData.Collect("g", EstimatorTestData.Chunks(EstimatorTestData.Gauss(100_000, 1, rng).Select(v => v + 0.3f).ToArray()));
        foreach (var method in Enum.GetValues<CalibrationMethod>())
        {
            foreach (int bits in new[] { 2, 4, 8, 16 })
            {
                var r = RangeEstimators.Create(method).Estimate(stats, new QuantTarget(bits, true, false));
                Assert.True(double.IsFinite(r.Min) && double.IsFinite(r.Max));
                Assert.True(r.Min <= 0 && r.Max > 0.5, $"{method}/{bits}: {r}");
                Assert.True(r.Min >= stats.Min - 1e-12 && r.Max <= stats.Max + 1e-12, $"{method}/{bits}: {r}");
            }
        }
    }

    [Fact]
    public void MissingStatistics_And_NaN_AreReportedWithTensorName()
    {
        var bare = new TensorStats { Name = "layer3", Count = 10, Min = -1, Max = 1 };
        foreach (var method in new[] { CalibrationMethod.Avg, CalibrationMethod.Ema, CalibrationMethod.Percentile, CalibrationMethod.Kl, CalibrationMethod.Mse, CalibrationMethod.AciqGauss, CalibrationMethod.AciqLaplace, CalibrationMethod.NStd })
        {
            var ex = Assert.Throws<MissingStatisticsException>(() => RangeEstimators.Create(method).Estimate(bare, QuantTarget.Int8Symmetric));
            Assert.Contains("layer3", ex.Message);
        }
        var nan = Assert.Throws<RangeEstimationException>(() => new MinMaxEstimator().Estimate(bare with { Max = double.NaN }, QuantTarget.Int8Symmetric));
        Assert.Contains("layer3", nan.Message);
    }

    [Fact]
    public void QuantTarget_ValidatesBits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantTarget(1, true, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantTarget(17, true, true));
        Assert.Equal(128, QuantTarget.Int8Symmetric.MagnitudeLevels);
        Assert.Equal(256, QuantTarget.UInt8Asymmetric.MagnitudeLevels);
    }
}
