using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>ACIQ for Gaussian tensors: α = alpha(M)·σ.</summary>
internal sealed class AciqGaussEstimator : AciqEstimator
{
    /// <inheritdoc/>
    public override CalibrationMethod Method => CalibrationMethod.AciqGauss;

    private protected override double Alpha(int m) => AciqAlpha.Gauss(m);

    private protected override double FullScale(TensorStats stats, Moments m) => stats.StandardDeviation ?? 0;

    private protected override double HalfScale(TensorStats stats, Moments m) =>
        Math.Sqrt((stats.Variance ?? 0) + m.Mean * m.Mean);
}
