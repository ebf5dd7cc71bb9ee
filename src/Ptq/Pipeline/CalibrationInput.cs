using Ptq.Calibration;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>Where activation ranges come from: samples streamed through the model, or statistics saved earlier.</summary>
internal abstract record CalibrationInput(CalibrationSettings Settings)
{
    /// <summary>Calibrate on <paramref name="Samples"/> (enumerated twice at most: once for one probe sample, once for statistics; a third time for the first 32 with empirical bias correction).</summary>
    public sealed record FromSamples(IEnumerable<IReadOnlyDictionary<string, TensorValue>> Samples, int? Count, CalibrationSettings Settings,
        IProgress<CalibrationProgress>? Progress = null, CancellationToken CancellationToken = default) : CalibrationInput(Settings);

    /// <summary>Use statistics from <c>ptq calibrate</c> (possibly merged shards).</summary>
    public sealed record FromStats(StatsFile Stats, CalibrationSettings Settings) : CalibrationInput(Settings);
}
