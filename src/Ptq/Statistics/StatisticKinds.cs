namespace Ptq.Statistics;

/// <summary>Which observers a <see cref="TensorStatistics"/> runs. Min/max is always collected (it guards against NaN and sizes histograms).</summary>
[Flags]
internal enum StatisticKinds
{
    /// <summary>Only the always-on per-tensor min/max.</summary>
    MinMax = 0,

    /// <summary>Mean of per-batch min/max (<see cref="AverageMinMaxObserver"/>).</summary>
    Average = 1,

    /// <summary>Bias-corrected EMA of per-batch min/max (<see cref="EmaMinMaxObserver"/>).</summary>
    Ema = 2,

    /// <summary>Count, mean, M2, mean |x|, Laplace scale (<see cref="MomentsObserver"/>).</summary>
    Moments = 4,

    /// <summary>Fixed-bin histogram (<see cref="HistogramObserver"/>).</summary>
    Histogram = 8,

    /// <summary>Number of exact zeros (<see cref="ZeroCountObserver"/>).</summary>
    Zeros = 16,

    /// <summary>Min/max per channel along an axis (<see cref="PerChannelMinMaxObserver"/>).</summary>
    PerChannel = 32,

    /// <summary>Mean of each channel along axis 1 (<see cref="ChannelMeanObserver"/>), for bias correction.</summary>
    ChannelMeans = 64,

    /// <summary>Every per-tensor statistic (not per-channel min/max, which needs an axis).</summary>
    AllPerTensor = Average | Ema | Moments | Histogram | Zeros,

    /// <summary>Everything a later quantization may use: all per-tensor statistics and channel means.</summary>
    All = AllPerTensor | ChannelMeans,
}
