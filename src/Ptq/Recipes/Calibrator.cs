using Ptq.Calibration;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Recipes;

/// <summary>
/// <c>ptq calibrate</c> as a library call: prepares the model exactly as quantization will and streams samples through
/// it once, collecting statistics of every float activation (memory independent of the sample count). Statistics of
/// shards merge exactly (<see cref="StatsFile.Merge"/>); <see cref="Quantizer"/> reads them through
/// <see cref="QuantizationRecipe.Stats"/>.
/// </summary>
public static class Calibrator
{
    /// <summary>
    /// Calibrates <paramref name="model"/> on <paramref name="data"/> (only the samples of <paramref name="shard"/>).
    /// With <paramref name="method"/> only what that range method needs is kept (plus channel means for bias correction);
    /// without, every statistic, so any method can be chosen when quantizing. <paramref name="foldBatchNorm"/> must match
    /// the quantization's setting. Throws <see cref="PtqException"/> for an empty source, NaN/Inf activations (naming the
    /// tensor) or a model that cannot be prepared.
    /// </summary>
    public static StatsFile Calibrate(OnnxModel model, ICalibrationSource data, CalibrationMethod? method = null, bool foldBatchNorm = true,
        Shard? shard = null, IProgress<CalibrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var slice = shard ?? Shard.All;
        var samples = slice.Select(data.Select(sample => (IReadOnlyDictionary<string, TensorValue>)sample.ToFeeds()));
        var settings = method is { } m ? new CalibrationSettings { Method = m } : new CalibrationSettings();
        return CalibrationJob.Run(model, samples, slice.CountOf(data.Count), settings, foldBatchNorm, allStatistics: method is null, progress,
            cancellationToken: cancellationToken);
    }
}
