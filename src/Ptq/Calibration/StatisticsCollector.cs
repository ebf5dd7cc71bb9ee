using Ptq.Onnx;
using Ptq.Runtime;
using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Collects streaming statistics of chosen tensors over calibration samples: one augmented ORT session, one
/// <see cref="TensorStatistics"/> per tensor, memory independent of the number of samples.
/// </summary>
internal static class StatisticsCollector
{
    /// <summary>
    /// Runs <paramref name="samples"/> through <paramref name="model"/> and returns the statistics of every tensor in
    /// <paramref name="tensors"/> (all must be float32). Throws <see cref="NonFiniteTensorException"/> naming the tensor
    /// when a sample produces NaN/Inf, and <see cref="PtqException"/> when a tensor is not float or there are no samples.
    /// </summary>
    public static StatsFile Collect(OnnxModel model, IReadOnlyCollection<string> tensors,
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples, StatisticsOptions? options = null, int? samplesTotal = null,
        RunnerOptions? runnerOptions = null, IProgress<CalibrationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Collect(model, tensors, _ => options ?? new StatisticsOptions(), samples, samplesTotal, runnerOptions, progress, cancellationToken);

    /// <summary>
    /// Like the overload with one <see cref="StatisticsOptions"/>, but each tensor gets its own (<paramref name="optionsOf"/>):
    /// quantization collects histograms only for tensors it calibrates and channel means only where bias correction reads them.
    /// </summary>
    public static StatsFile Collect(OnnxModel model, IReadOnlyCollection<string> tensors, Func<string, StatisticsOptions> optionsOf,
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples, int? samplesTotal = null,
        RunnerOptions? runnerOptions = null, IProgress<CalibrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(optionsOf);
        if (tensors.Count == 0)
            return new StatsFile(0, []); // nothing is quantized (everything skipped): no need to run the model
        var statistics = tensors.ToDictionary(t => t, t => new TensorStatistics(t, optionsOf(t)), StringComparer.Ordinal);
        int count = CalibrationRunner.Run(model, tensors, samples, (name, value) =>
        {
            if (value.DataType != (int)Onnx.Proto.TensorProto.Types.DataType.Float)
                throw new PtqException($"tensor '{name}' is {OnnxDataType.Name(value.DataType)}, not FLOAT; only float tensors are calibrated");
            if (value.Shape.Contains(0))
                return; // nothing to observe: a value of an If branch this sample did not take (SubgraphOutputs' placeholder)
            Span<int> shape = stackalloc int[value.Shape.Length];
            for (int i = 0; i < shape.Length; i++)
                shape[i] = checked((int)value.Shape[i]);
            statistics[name].Observe(value.AsFloatSpan(), shape);
        }, samplesTotal, runnerOptions, progress, cancellationToken);
        // A tensor no sample produced (its branch never ran) has no statistics, rather than empty ones.
        return new StatsFile(count, statistics.Values.Where(s => s.Count > 0).Select(s => s.ToStats()));
    }

    /// <summary>
    /// Ranges for <paramref name="tensors"/> from <paramref name="stats"/> by <paramref name="estimator"/> for
    /// <paramref name="target"/>. Throws <see cref="PtqException"/> naming a tensor the stats do not cover.
    /// </summary>
    public static Dictionary<string, FloatRange> Ranges(StatsFile stats, IEnumerable<string> tensors, IRangeEstimator estimator, QuantTarget target)
    {
        var ranges = new Dictionary<string, FloatRange>(StringComparer.Ordinal);
        foreach (string tensor in tensors)
        {
            if (!stats.Tensors.TryGetValue(tensor, out var tensorStats))
                throw new PtqException((FormattableString)$"the statistics have no entry for tensor '{tensor}'; were they collected from this model with the same preparation ({SettingName.FoldBn})?");
            ranges[tensor] = estimator.Estimate(tensorStats, target);
        }
        return ranges;
    }
}
