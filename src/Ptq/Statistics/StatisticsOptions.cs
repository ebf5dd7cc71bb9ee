namespace Ptq.Statistics;

/// <summary>What to collect for one tensor. Immutable; validated by <see cref="TensorStatistics"/>.</summary>
internal sealed record StatisticsOptions
{
    /// <summary>Observers to run besides min/max. Default: all per-tensor statistics.</summary>
    public StatisticKinds Kinds { get; init; } = StatisticKinds.AllPerTensor;

    /// <summary>Histogram bins (even, ≥ 8). Default 2048.</summary>
    public int HistogramBins { get; init; } = HistogramObserver.DefaultBins;

    /// <summary>Histogram bin placement. Default symmetric around zero.</summary>
    public HistogramRangeMode HistogramMode { get; init; } = HistogramRangeMode.Symmetric;

    /// <summary>EMA momentum in [0, 1). Default 0.9.</summary>
    public double EmaMomentum { get; init; } = EmaMinMaxObserver.DefaultMomentum;

    /// <summary>Channel axis for <see cref="StatisticKinds.PerChannel"/>; negative counts from the end.</summary>
    public int ChannelAxis { get; init; } = 1;

    /// <summary>Channel count for <see cref="StatisticKinds.PerChannel"/>; 0 (default) takes it from the first batch's shape.</summary>
    public int Channels { get; init; }
}
