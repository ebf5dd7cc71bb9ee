namespace Ptq.Statistics;

/// <summary>
/// Immutable statistics of one tensor after calibration: what range estimators read and what stats files store.
/// Optional parts are null when they were not collected.
/// </summary>
internal sealed record TensorStats
{
    /// <summary>Tensor name.</summary>
    public required string Name { get; init; }

    /// <summary>Number of values observed.</summary>
    public long Count { get; init; }

    /// <summary>Number of non-empty batches observed.</summary>
    public long Batches { get; init; }

    /// <summary>Smallest value.</summary>
    public double Min { get; init; }

    /// <summary>Largest value.</summary>
    public double Max { get; init; }

    /// <summary>Mean of per-batch min/max, or null.</summary>
    public AverageRange? Average { get; init; }

    /// <summary>EMA of per-batch min/max, or null.</summary>
    public EmaRange? Ema { get; init; }

    /// <summary>Moments, or null.</summary>
    public Moments? Moments { get; init; }

    /// <summary>Number of exact zeros, or null.</summary>
    public long? Zeros { get; init; }

    /// <summary>Histogram, or null.</summary>
    public Histogram? Histogram { get; init; }

    /// <summary>Bin placement of <see cref="Histogram"/> (matters when merging).</summary>
    public HistogramRangeMode HistogramMode { get; init; }

    /// <summary>Per-channel min/max, or null.</summary>
    public PerChannelRange? PerChannel { get; init; }

    /// <summary>Per-channel means along axis 1, or null.</summary>
    public ChannelMeans? ChannelMeans { get; init; }

    /// <summary>Population variance M2 / Count, or null without moments.</summary>
    public double? Variance => Moments is null || Count == 0 ? null : Moments.M2 / Count;

    /// <summary>Population standard deviation, or null without moments.</summary>
    public double? StandardDeviation => Variance is { } v ? Math.Sqrt(v) : null;
}
