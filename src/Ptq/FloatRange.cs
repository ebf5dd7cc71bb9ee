namespace Ptq;

/// <summary>
/// A closed float range [Min, Max], Min ≤ Max: what an estimator chose for a tensor (then it contains 0), the bounds
/// an activation such as Relu or Clip imposes (then a side may be infinite), or a tensor's observed extent.
/// </summary>
/// <param name="Min">Lower bound.</param>
/// <param name="Max">Upper bound.</param>
internal readonly record struct FloatRange(float Min, float Max)
{
    /// <summary>Max − Min.</summary>
    public float Width => Max - Min;
}
