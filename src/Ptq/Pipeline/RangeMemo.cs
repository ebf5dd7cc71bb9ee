using Ptq.Calibration;
using Ptq.Statistics;

namespace Ptq.Pipeline;

/// <summary>
/// The ranges one run's statistics gave, by tensor, method and target. A search quantizes many variants of one run
/// whose tensors mostly keep their method and bits, and the estimators that search a range (MSE, KL) take about a
/// second over a detector's activations; estimating is a pure function of the statistics, so a variant reuses them.
/// </summary>
internal sealed class RangeMemo
{
    private readonly Dictionary<(string Tensor, CalibrationMethod Method, QuantTarget Target), FloatRange> _ranges = [];

    /// <summary>The range of each of <paramref name="tensors"/>, estimated by <paramref name="estimator"/> only where not known yet.</summary>
    public IEnumerable<(string Tensor, FloatRange Range)> Ranges(StatsFile stats, IReadOnlyCollection<string> tensors, CalibrationMethod method,
        IRangeEstimator estimator, QuantTarget target)
    {
        var missing = tensors.Where(t => !_ranges.ContainsKey((t, method, target))).ToList();
        foreach (var (tensor, range) in StatisticsCollector.Ranges(stats, missing, estimator, target))
            _ranges[(tensor, method, target)] = range;
        return tensors.Select(t => (t, _ranges[(t, method, target)]));
    }
}
