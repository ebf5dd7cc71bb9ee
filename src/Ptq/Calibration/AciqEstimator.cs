using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// ACIQ analytic clipping (see <see cref="AciqAlpha"/> for the derivation and tables).
/// Full range (data with negative values, signed target): α = alpha(bits)·scale around the mean —
/// symmetric a = min(max|x|, |mean| + α), asymmetric [max(Min, mean − α), min(Max, mean + α)] (as Distiller).
/// Half range (Min ≥ 0, or an unsigned target): the positive half is quantized to L levels
/// (L = 2^(bits−1) for signed symmetric, else 2^bits), so α = alpha(log2 L + 1)·scale on [0, min(Max, α)].
/// Scale: Laplace b = mean|x − mean| (full) or E|x| (half, the exponential's mean); Gauss σ = std (full) or √E[x²] (half).
/// </summary>
internal abstract class AciqEstimator : IRangeEstimator
{
    /// <inheritdoc/>
    public abstract CalibrationMethod Method { get; }

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Moments;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var m = stats.Moments ?? throw new MissingStatisticsException(stats.Name, Method, "moments (mean, std, mean |x − mean|)");
        bool halfRange = stats.Min >= 0 || !target.Signed;
        if (halfRange)
        {
            int levelsLog2 = target.Signed && target.Symmetric ? target.Bits - 1 : target.Bits;
            double alpha = Alpha(levelsLog2 + 1) * HalfScale(stats, m);
            return RangeFinalizer.Finish(stats.Name, Method, 0, Math.Min(Math.Max(stats.Max, 0), alpha), target);
        }
        double a = Alpha(target.Bits) * FullScale(stats, m);
        if (target.Symmetric)
        {
            double s = Math.Min(Math.Max(-stats.Min, stats.Max), Math.Abs(m.Mean) + a);
            return RangeFinalizer.Finish(stats.Name, Method, -s, s, target);
        }
        return RangeFinalizer.Finish(stats.Name, Method, Math.Max(stats.Min, m.Mean - a), Math.Min(stats.Max, m.Mean + a), target);
    }

    /// <summary>α / scale for 2^<paramref name="m"/> levels.</summary>
    private protected abstract double Alpha(int m);

    /// <summary>Scale of the two-sided distribution.</summary>
    private protected abstract double FullScale(TensorStats stats, Moments m);

    /// <summary>Scale of the one-sided distribution of x ≥ 0.</summary>
    private protected abstract double HalfScale(TensorStats stats, Moments m);
}
