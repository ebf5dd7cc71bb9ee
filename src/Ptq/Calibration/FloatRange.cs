namespace Ptq.Calibration;

/// <summary>A float range [Min, Max] with Min ≤ 0 ≤ Max and Max &gt; Min, as returned by every estimator.</summary>
/// <param name="Min">Lower clip value.</param>
/// <param name="Max">Upper clip value.</param>
internal readonly record struct FloatRange(double Min, double Max)
{
    /// <summary>Max − Min.</summary>
    public double Width => Max - Min;
}
