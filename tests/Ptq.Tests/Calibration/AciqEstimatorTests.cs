using Ptq.Calibration;
using Ptq.Statistics;

namespace Ptq.Tests.Calibration;

public class AciqEstimatorTests
{
    private static readonly TensorStats Known = new()
    {
        Name = "t", Count = 1000, Min = -100, Max = 100,
        Moments = new Moments(0.5, 4000, 1.7, 1.5), // σ = 2, b = 1.5
    };

    [Theory]
    [InlineData(2, 2.83, 1.71)]
    [InlineData(3, 3.89, 2.15)]
    [InlineData(4, 5.03, 2.55)]
    [InlineData(5, 6.2, 2.94)]
    [InlineData(6, 7.41, 3.29)]
    [InlineData(7, 8.64, 3.61)]
    [InlineData(8, 9.89, 3.92)]
    public void Solver_ReproducesPublishedTables(int bits, double laplace, double gauss)
    {
        Assert.Equal(laplace, AciqAlpha.SolveLaplace(bits), 0.011);
        Assert.Equal(gauss, AciqAlpha.SolveGauss(bits), 0.011);
        // Laplace optimum satisfies α = 3·4^M·e^(−α) (derivative of the closed form).
        double a = AciqAlpha.SolveLaplace(bits);
        Assert.Equal(a, 3 * Math.Pow(4, bits) * Math.Exp(-a), 1e-6 * a);
    }

    [Fact]
    public void Erfc_MatchesKnownValues()
    {
        Assert.Equal(1.0, AciqAlpha.Erfc(0), 1e-7);
        Assert.Equal(0.157299207050285, AciqAlpha.Erfc(1), 1e-7);
        Assert.Equal(1.842700792949715, AciqAlpha.Erfc(-1), 1e-7);
        Assert.Equal(0.004677734981047, AciqAlpha.Erfc(2), 1e-8);
    }

    [Fact]
    public void Laplace_FullRange_ClosedForm()
    {
        var e = new AciqLaplaceEstimator();
        // symmetric: |mean| + α·b = 0.5 + 5.03·1.5
        Assert.Equal((float)(0.5 + 5.03 * 1.5), e.Estimate(Known, new QuantTarget(4, true, true)).Max);
        var asym = e.Estimate(Known, new QuantTarget(8, true, false));
        Assert.Equal((float)(0.5 - 9.89 * 1.5), asym.Min);
        Assert.Equal((float)(0.5 + 9.89 * 1.5), asym.Max);
    }

    [Fact]
    public void Gauss_FullRange_ClosedForm_ClippedToObserved()
    {
        var e = new AciqGaussEstimator();
        var asym = e.Estimate(Known, new QuantTarget(8, true, false));
        Assert.Equal((float)(0.5 - 3.92 * 2), asym.Min);
        Assert.Equal((float)(0.5 + 3.92 * 2), asym.Max);
        var clipped = e.Estimate(Known with { Max = 5 }, new QuantTarget(8, true, false));
        Assert.Equal(5, clipped.Max);
    }

    [Fact]
    public void HalfRange_UsesOneMoreBit_AndOneSidedScale()
    {
        var relu = Known with { Min = 0, Moments = new Moments(1.7, 1000 * 2.0, 1.7, 1.2) };
        // uint8 asymmetric on x ≥ 0: 256 levels on [0, α] ⇒ α = alpha(9)·E|x|, alpha(9) solves α = 3·4^9·e^(−α).
        double alpha9 = EstimatorTestData.ArgMin(a => 2 * Math.Exp(-a) + a * a / (3 * Math.Pow(4, 9)), 0, 40);
        var r = new AciqLaplaceEstimator().Estimate(relu, QuantTarget.UInt8Asymmetric);
        Assert.Equal(0, r.Min);
        Assert.Equal(alpha9 * 1.7, r.Max, 1e-6);
        // int8 symmetric on x ≥ 0: only 128 levels on the positive half ⇒ alpha(8).
        Assert.Equal((float)(9.89 * 1.7), new AciqLaplaceEstimator().Estimate(relu, QuantTarget.Int8Symmetric).Max);
        // Gauss half range: σ_half = √(var + mean²) = √(2 + 1.7²), uint8 ⇒ alpha(9).
        double g9 = AciqAlpha.SolveGauss(9);
        Assert.Equal((float)(g9 * Math.Sqrt(2 + 1.7 * 1.7)), new AciqGaussEstimator().Estimate(relu, QuantTarget.UInt8Asymmetric).Max);
    }

    [Fact]
    public void Laplace_OnSample_RecoversScale()
    {
        var rng = new Random(1234);
        var stats = EstimatorTestData.Collect("l", EstimatorTestData.Chunks(EstimatorTestData.Laplace(400_000, 0.5, rng)));
        var r = new AciqLaplaceEstimator().Estimate(stats, new QuantTarget(4, true, true));
        Assert.Equal(5.03 * 0.5, r.Max, 0.05);
    }
}
