namespace Ptq.Calibration;

/// <summary>Shared last step of every estimator: NaN guard, include zero, apply symmetry, widen degenerate ranges.</summary>
internal static class RangeFinalizer
{
    /// <summary>
    /// Smallest width returned: 1e-6. An all-zero tensor still needs a positive scale (1e-6 / 255 ≈ 4e-9 is a normal float),
    /// and every value it holds (0) stays exact.
    /// </summary>
    public const double MinimumWidth = 1e-6;

    /// <summary>
    /// Returns [lo, hi] extended to contain 0; for symmetric targets [−a, a] (signed) or [0, a] (unsigned) with a = max(|lo|, |hi|)
    /// (unsigned: a = hi); and at least <see cref="MinimumWidth"/> wide.
    /// </summary>
    /// <exception cref="RangeEstimationException"><paramref name="lo"/> or <paramref name="hi"/> is NaN or infinite.</exception>
    public static FloatRange Finish(string tensorName, CalibrationMethod method, double lo, double hi, QuantTarget target)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi))
        {
            throw new RangeEstimationException(tensorName, method, lo, hi);
        }
        lo = Math.Min(lo, 0);
        hi = Math.Max(hi, 0);
        if (target.Symmetric)
        {
            double a = target.Signed ? Math.Max(-lo, hi) : hi;
            a = Math.Max(a, target.Signed ? MinimumWidth / 2 : MinimumWidth);
            return new FloatRange(target.Signed ? (float)-a : 0f, (float)a);
        }
        if (hi - lo < MinimumWidth)
        {
            hi = lo + MinimumWidth;
        }
        return new FloatRange((float)lo, (float)hi);
    }
}
