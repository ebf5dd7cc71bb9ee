using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Clip minimizing the expected squared error over the histogram, modelling each bin by its centre c with count n:
/// error = Σ n·(c − clamp(c))² for bins outside the range plus Σ n·Δ²/12 for bins inside (uniform rounding noise,
/// Δ = width / (2^bits − 1)). The model is the one ACIQ minimizes in closed form, so on a Laplace or Gaussian sample
/// the result lands near the ACIQ clip.
/// Candidates: symmetric signed [−a, a] on the |x| histogram; symmetric unsigned [0, a] on max(x, 0);
/// asymmetric [t·Min, t·Max]; a (or t) scanned on 512 points of (0, max] and refined on 512 points around the best.
/// </summary>
internal sealed class MseEstimator : IRangeEstimator
{
    private const int Steps = 512;

    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Mse;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Histogram;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target) =>
        SearchClip(stats, target, Method, h => (lo, hi, step) => Error(h, lo, hi, step));

    /// <summary>The expected error of quantizing a histogram's values to [lo, hi] with the given step.</summary>
    internal delegate double ClipError(double lo, double hi, double step);

    /// <summary>
    /// The clip minimizing <paramref name="errorOf"/>'s error among this estimator's candidates (see the class summary),
    /// reported as <paramref name="method"/>; <paramref name="errorOf"/> is called once per histogram searched.
    /// </summary>
    internal static FloatRange SearchClip(TensorStats stats, QuantTarget target, CalibrationMethod method, Func<Histogram, ClipError> errorOf)
    {
        var h = stats.Histogram ?? throw new MissingStatisticsException(stats.Name, method, "histogram");
        double levels = Math.Pow(2, target.Bits) - 1;
        if (target.Symmetric)
        {
            var m = HistogramMath.Magnitudes(h, target);
            var magnitudeError = errorOf(m);
            double top = target.Signed ? Math.Max(-stats.Min, stats.Max) : Math.Max(stats.Max, 0);
            // A signed symmetric grid spends its levels on [−a, a]: the step is 2a/(2^bits − 1).
            double stepPerUnit = (target.Signed ? 2 : 1) / levels;
            double s = Search(t => magnitudeError(0, t * top, stepPerUnit * t * top));
            return RangeFinalizer.Finish(stats.Name, method, -s * top, s * top, target);
        }
        var error = errorOf(h);
        double lo = Math.Min(stats.Min, 0), hi = Math.Max(stats.Max, 0);
        double best = Search(t => error(t * lo, t * hi, t * (hi - lo) / levels));
        return RangeFinalizer.Finish(stats.Name, method, best * lo, best * hi, target);
    }

    /// <summary>Minimizes <paramref name="error"/> over t ∈ (0, 1]: coarse grid then a fine grid around the best point.</summary>
    internal static double Search(Func<double, double> error)
    {
        double best = 1, bestError = double.PositiveInfinity;
        for (int k = 1; k <= Steps; k++)
        {
            double t = (double)k / Steps;
            double e = error(t);
            if (e < bestError)
            {
                (best, bestError) = (t, e);
            }
        }
        double centre = best;
        for (int k = -Steps / 2; k <= Steps / 2; k++)
        {
            double t = centre + (double)k / Steps / (Steps / 2);
            if (t <= 0 || t > 1)
            {
                continue;
            }
            double e = error(t);
            if (e < bestError)
            {
                (best, bestError) = (t, e);
            }
        }
        return best;
    }

    /// <summary>Expected squared error of quantizing the histogram to [lo, hi] with the given step.</summary>
    private static double Error(Histogram h, double lo, double hi, double step)
    {
        var counts = h.Counts;
        double w = h.BinWidth;
        double noise = step * step / 12;
        double total = 0;
        double c = h.Min + w / 2;
        for (int i = 0; i < counts.Length; i++, c += w)
        {
            long n = counts[i];
            if (n == 0)
            {
                continue;
            }
            double d = c < lo ? lo - c : c > hi ? c - hi : 0;
            total += n * (d > 0 ? d * d : noise);
        }
        return total;
    }
}
