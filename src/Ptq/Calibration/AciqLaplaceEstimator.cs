using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>ACIQ for Laplace-distributed tensors: α = alpha(M)·b, b = mean|x − mean|.</summary>
internal sealed class AciqLaplaceEstimator : AciqEstimator
{
    /// <inheritdoc/>
    public override CalibrationMethod Method => CalibrationMethod.AciqLaplace;

    private protected override double Alpha(int m) => AciqAlpha.Laplace(m);

    private protected override double FullScale(TensorStats stats, Moments m) => m.MeanAbsDeviation;

    private protected override double HalfScale(TensorStats stats, Moments m) => m.AbsMean ?? Math.Abs(m.Mean);
}
