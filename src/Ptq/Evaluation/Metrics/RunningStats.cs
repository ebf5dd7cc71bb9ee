namespace Ptq.Evaluation;

/// <summary>Count, mean, minimum and maximum of a stream of values, in constant memory.</summary>
/// <param name="Count">Values seen.</param>
/// <param name="Mean">Arithmetic mean <c>Σ v / n</c> (NaN when no values were seen).</param>
/// <param name="Min">Smallest value (NaN when none; NaN when any value was NaN).</param>
/// <param name="Max">Largest value (NaN when none; NaN when any value was NaN).</param>
public readonly record struct MetricSummary(long Count, double Mean, double Min, double Max);

/// <summary>Accumulates a <see cref="MetricSummary"/>; the sum is kept in double.</summary>
internal struct RunningStats
{
    private double _sum;
    private double _min;
    private double _max;

    public long Count { get; private set; }

    public void Add(double value)
    {
        // Math.Min/Max propagate NaN, so one bad sample is visible in the summary instead of silently skipped.
        _min = Count == 0 ? value : Math.Min(_min, value);
        _max = Count == 0 ? value : Math.Max(_max, value);
        _sum += value;
        Count++;
    }

    public readonly MetricSummary ToSummary() =>
        Count == 0 ? new MetricSummary(0, double.NaN, double.NaN, double.NaN) : new MetricSummary(Count, _sum / Count, _min, _max);
}
