using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;
using Ptq.Statistics;

namespace Ptq.Pipeline;

/// <summary>
/// <c>ptq calibrate</c> as a library call: prepares the model exactly as quantization will, and collects every statistic
/// of every float activation, so any estimator can be chosen later and shards can be merged.
/// </summary>
internal static class CalibrationJob
{
    /// <summary>
    /// Collects statistics over <paramref name="samples"/> (already restricted to one shard by the caller if sharding).
    /// With <paramref name="allStatistics"/> every statistic is kept (any method can be chosen later); otherwise only what
    /// <see cref="CalibrationSettings.Method"/> needs, plus channel means for bias correction.
    /// Throws <see cref="PtqException"/> for an empty source, NaN/Inf activations (naming tensor) or models that cannot be prepared.
    /// </summary>
    public static StatsFile Run(OnnxModel model, IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples, int? count,
        CalibrationSettings settings, bool foldBatchNorm = true, bool allStatistics = true,
        IProgress<CalibrationProgress>? progress = null, bool equalize = false, CancellationToken cancellationToken = default)
    {
        var prepared = ModelPreparation.Prepare(model, foldBatchNorm, equalize, padInputChannels: true);
        var first = samples.FirstOrDefault() ?? throw new PtqException("no calibration samples were given: the data source is empty");
        var types = TensorTypeProbe.Probe(prepared.Model, first, settings.Runner);
        var tensors = types.Where(t => t.Value.DataType == (int)TensorProto.Types.DataType.Float).Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
        return StatisticsCollector.Collect(prepared.Model, tensors, samples, allStatistics ? settings.StatisticsOptions(allKinds: true) : settings.StatisticsOptions() with { Kinds = settings.StatisticsOptions().Kinds | StatisticKinds.ChannelMeans }, count,
            settings.Runner, progress, cancellationToken);
    }
}
