using System.Diagnostics;
using Ptq.Runtime;

namespace Ptq.Evaluation;

/// <summary>Times the model and the reference on the same feeds, alternating between them.</summary>
internal static class LatencyBenchmark
{
    /// <summary>
    /// <paramref name="warmup"/> untimed runs of each, then <paramref name="runs"/> timed runs of each, interleaved
    /// model/reference with the order flipped every round (ABBA…), so slow drift of the machine (other builds, thermal
    /// throttling) hits both alike. A run is the whole <see cref="OrtRunner.Run"/> call, input and output copies included.
    /// </summary>
    public static LatencyResult Measure(Timed model, Timed? reference, IReadOnlyDictionary<string, TensorValue> feeds, int batch, int warmup, int runs,
        CancellationToken cancellationToken)
    {
        for (int i = 0; i < warmup; i++)
        {
            model.Run(feeds);
            reference?.Run(feeds);
        }
        var modelMs = new List<double>(runs);
        var referenceMs = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (reference is null) { modelMs.Add(model.Time(feeds)); continue; }
            if (i % 2 == 0)
            {
                modelMs.Add(model.Time(feeds));
                referenceMs.Add(reference.Time(feeds));
            }
            else
            {
                referenceMs.Add(reference.Time(feeds));
                modelMs.Add(model.Time(feeds));
            }
        }
        return new LatencyResult(batch, TimingStats.Of(modelMs), reference is null ? null : TimingStats.Of(referenceMs));
    }

    /// <summary>A session and the one output it is asked for.</summary>
    internal sealed class Timed(OrtRunner runner, string output)
    {
        private readonly string[] _outputs = [output];

        public void Run(IReadOnlyDictionary<string, TensorValue> feeds) => runner.Run(feeds, _outputs);

        public TensorValue Output(IReadOnlyDictionary<string, TensorValue> feeds) => runner.Run(feeds, _outputs)[_outputs[0]];

        public double Time(IReadOnlyDictionary<string, TensorValue> feeds)
        {
            long start = Stopwatch.GetTimestamp();
            runner.Run(feeds, _outputs);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }
}
