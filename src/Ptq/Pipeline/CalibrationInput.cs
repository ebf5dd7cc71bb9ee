using Ptq.Calibration;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>Where activation ranges come from: samples streamed through the model, or statistics saved earlier.</summary>
internal abstract record CalibrationInput(CalibrationSettings Settings)
{
    /// <summary>
    /// Calibrate on <paramref name="Samples"/> (enumerated twice at most: once for one probe sample, once for statistics;
    /// a third time for the first 32 with empirical bias correction). Weight reconstruction reads a subset
    /// <see cref="Spread"/> over them.
    /// </summary>
    public sealed record FromSamples(IEnumerable<IReadOnlyDictionary<string, TensorValue>> Samples, int? Count, CalibrationSettings Settings,
        IProgress<CalibrationProgress>? Progress = null, CancellationToken CancellationToken = default) : CalibrationInput(Settings)
    {
        /// <summary>Up to n samples spread over the set, decoding only those (<see cref="Data.ICalibrationSource.Spread"/>); optional.</summary>
        public Func<int, IEnumerable<IReadOnlyDictionary<string, TensorValue>>>? Spreader { get; init; }

        /// <summary>
        /// Up to <paramref name="count"/> samples spread evenly over the set (positions ⌊j · N / count⌋), so that a set
        /// sorted by class gives every class a share: through <see cref="Spreader"/>, else by position when
        /// <see cref="Samples"/> is a list, else (a stream of unknown order) the first ones.
        /// </summary>
        public List<IReadOnlyDictionary<string, TensorValue>> Spread(int count) =>
            Spreader is not null ? [.. Spreader(count)]
            : Samples is IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> list ? SpreadOver(list, count)
            : [.. Samples.Take(count)];

        /// <summary>Up to <paramref name="count"/> items of <paramref name="items"/> at positions ⌊j · N / count⌋.</summary>
        internal static List<T> SpreadOver<T>(IReadOnlyList<T> items, int count) =>
            [.. Data.CalibrationSplit.SpreadPositions(items.Count, count).Select(p => items[p])];
    }

    /// <summary>Use statistics from <c>ptq calibrate</c> (possibly merged shards).</summary>
    public sealed record FromStats(StatsFile Stats, CalibrationSettings Settings) : CalibrationInput(Settings);
}
