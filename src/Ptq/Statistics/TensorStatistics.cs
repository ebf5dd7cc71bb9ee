using Ptq.Statistics.Kernels;

namespace Ptq.Statistics;

/// <summary>
/// All observers one tensor needs, fed together: one TensorPrimitives min/max pass per batch is shared by the min/max,
/// average, EMA and histogram observers and rejects NaN/±Inf. Memory is independent of the number of samples.
/// Not thread-safe: use one instance per tensor per thread and <see cref="Merge"/> shards afterwards.
/// </summary>
internal sealed class TensorStatistics
{
    private readonly MinMaxObserver _minMax;
    private readonly AverageMinMaxObserver? _average;
    private readonly EmaMinMaxObserver? _ema;
    private readonly MomentsObserver? _moments;
    private readonly ZeroCountObserver? _zeros;
    private readonly HistogramObserver? _histogram;
    private PerChannelMinMaxObserver? _perChannel;
    private readonly ChannelMeanObserver? _channelMeans;

    /// <summary>Creates the observers selected by <paramref name="options"/> for <paramref name="tensorName"/>.</summary>
    /// <exception cref="ArgumentException">Per-channel statistics requested with a negative channel count,
    /// or invalid histogram/EMA options.</exception>
    public TensorStatistics(string tensorName, StatisticsOptions? options = null)
    {
        Options = options ?? new StatisticsOptions();
        TensorName = tensorName;
        var k = Options.Kinds;
        _minMax = new MinMaxObserver(tensorName);
        _average = k.HasFlag(StatisticKinds.Average) ? new AverageMinMaxObserver(tensorName) : null;
        _ema = k.HasFlag(StatisticKinds.Ema) ? new EmaMinMaxObserver(tensorName, Options.EmaMomentum) : null;
        _moments = k.HasFlag(StatisticKinds.Moments) ? new MomentsObserver(tensorName) : null;
        _zeros = k.HasFlag(StatisticKinds.Zeros) ? new ZeroCountObserver(tensorName) : null;
        _histogram = k.HasFlag(StatisticKinds.Histogram) ? new HistogramObserver(tensorName, Options.HistogramBins, Options.HistogramMode) : null;
        _channelMeans = k.HasFlag(StatisticKinds.ChannelMeans) ? new ChannelMeanObserver(tensorName) : null;
        if (k.HasFlag(StatisticKinds.PerChannel))
        {
            if (Options.Channels < 0)
            {
                throw new ArgumentException($"Tensor '{tensorName}': per-channel statistics need StatisticsOptions.Channels ≥ 0.", nameof(options));
            }
            // Channels 0: the first batch's dimension at the channel axis says how many there are.
            _perChannel = Options.Channels > 0 ? new PerChannelMinMaxObserver(tensorName, Options.ChannelAxis, Options.Channels) : null;
        }
    }

    /// <summary>Name of the observed tensor.</summary>
    public string TensorName { get; }

    /// <summary>The options this instance was built with.</summary>
    public StatisticsOptions Options { get; }

    /// <summary>Number of non-empty batches observed.</summary>
    public long Batches { get; private set; }

    /// <summary>Number of values observed.</summary>
    public long Count => _minMax.Count;

    /// <summary>
    /// Observes one batch. <paramref name="shape"/> is only read for per-channel statistics (pass an empty span otherwise).
    /// Empty batches are ignored.
    /// </summary>
    /// <exception cref="NonFiniteTensorException">The batch holds NaN or ±Infinity.</exception>
    /// <exception cref="ArgumentException">The shape does not match (per-channel only).</exception>
    public void Observe(ReadOnlySpan<float> values, ReadOnlySpan<int> shape = default)
    {
        if (values.IsEmpty)
        {
            return;
        }
        var (min, max) = FiniteGuard.FiniteRange(values, TensorName);
        if (_perChannel is null && Options.Kinds.HasFlag(StatisticKinds.PerChannel))
        {
            int axis = Options.ChannelAxis < 0 ? Options.ChannelAxis + shape.Length : Options.ChannelAxis;
            if (axis < 0 || axis >= shape.Length)
            {
                throw new ArgumentException($"Tensor '{TensorName}': channel axis {Options.ChannelAxis} is outside a rank-{shape.Length} shape.", nameof(shape));
            }
            _perChannel = new PerChannelMinMaxObserver(TensorName, Options.ChannelAxis, shape[axis]);
        }
        _perChannel?.Observe(values, shape);
        _channelMeans?.Observe(values, shape);
        _minMax.Add(min, max, values.Length);
        _average?.AddBatch(min, max);
        _ema?.AddBatch(min, max);
        _moments?.Observe(values);
        _zeros?.Observe(values);
        _histogram?.Observe(values, min, max);
        Batches++;
    }

    /// <summary>Merges a shard observed with the same options; <paramref name="other"/>'s batches count as later ones (EMA).</summary>
    /// <exception cref="ArgumentException">The options differ.</exception>
    public void Merge(TensorStatistics other)
    {
        if (other.Options != Options)
        {
            throw new ArgumentException($"Cannot merge statistics of '{TensorName}' collected with different options: {Options} vs {other.Options}.", nameof(other));
        }
        _minMax.Merge(other._minMax);
        _average?.Merge(other._average!);
        _ema?.Merge(other._ema!);
        _moments?.Merge(other._moments!);
        _zeros?.Merge(other._zeros!);
        _histogram?.Merge(other._histogram!);
        if (other._perChannel is not null)
        {
            if (_perChannel is null)
            {
                _perChannel = PerChannelMinMaxObserver.FromRanges(TensorName, other._perChannel.Axis, other._perChannel.Min, other._perChannel.Max, other._perChannel.Count);
            }
            else
            {
                _perChannel.Merge(other._perChannel);
            }
        }
        _channelMeans?.Merge(other._channelMeans!);
        Batches += other.Batches;
    }

    /// <summary>Returns an immutable snapshot of everything collected so far.</summary>
    public TensorStats ToStats() => new()
    {
        Name = TensorName,
        Count = Count,
        Batches = Batches,
        Min = _minMax.Min,
        Max = _minMax.Max,
        Average = _average is null ? null : new AverageRange(_average.AverageMin, _average.AverageMax),
        Ema = _ema is null ? null : new EmaRange(_ema.Momentum, _ema.EmaMin, _ema.EmaMax),
        Moments = _moments is null ? null : new Moments(_moments.Mean, _moments.M2, _moments.AbsMean, _moments.MeanAbsDeviation),
        Zeros = _zeros?.Zeros,
        Histogram = _histogram?.ToHistogram(),
        HistogramMode = Options.HistogramMode,
        PerChannel = _perChannel is null ? null : new PerChannelRange(_perChannel.Axis, _perChannel.Min.ToArray(), _perChannel.Max.ToArray()),
        ChannelMeans = _channelMeans?.ToMeans(),
    };
}
