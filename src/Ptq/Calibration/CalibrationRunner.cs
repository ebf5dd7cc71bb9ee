using System.Diagnostics;
using System.Threading.Channels;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Calibration;

/// <summary>Progress of a calibration pass, reported after each sample.</summary>
/// <param name="SamplesDone">Samples fully observed so far.</param>
/// <param name="SamplesTotal">Samples expected in all, when the source knows.</param>
/// <param name="SamplesPerSecond">Throughput so far.</param>
public readonly record struct CalibrationProgress(int SamplesDone, int? SamplesTotal, double SamplesPerSecond);

/// <summary>
/// Streams calibration samples through one augmented ONNX Runtime session that exposes every tensor a plan needs, and
/// hands each tensor to an observer callback. Inference of sample i+1 overlaps with observing sample i; at most two
/// samples' activations are alive at once, so memory does not grow with the number of samples.
/// </summary>
public static class CalibrationRunner
{
    /// <summary>
    /// Runs <paramref name="samples"/> through <paramref name="model"/> and calls <paramref name="observe"/> with every
    /// tensor of <paramref name="tensors"/> for every sample. <paramref name="observe"/> is called concurrently for
    /// different tensor names but never concurrently for the same name, and for one name always in sample order.
    /// Returns the number of samples observed. Throws <see cref="RuntimeException"/> when ORT refuses the model or a
    /// sample, and <see cref="PtqException"/> when <paramref name="samples"/> is empty.
    /// </summary>
    public static int Run(
        OnnxModel model,
        IReadOnlyCollection<string> tensors,
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples,
        Action<string, TensorValue> observe,
        int? samplesTotal = null,
        RunnerOptions? runnerOptions = null,
        IProgress<CalibrationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observe);
        using var runner = OrtRunner.WithOutputs(model, tensors, runnerOptions);
        var wanted = tensors.ToArray();
        var channel = Channel.CreateBounded<Dictionary<string, TensorValue>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var clock = Stopwatch.StartNew();
        int done = 0;

        var consumer = Task.Run(async () =>
        {
            await foreach (var outputs in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Parallel.ForEach(wanted, new ParallelOptions { CancellationToken = cancellationToken }, name => observe(name, outputs[name]));
                done++;
                progress?.Report(new CalibrationProgress(done, samplesTotal, done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
            }
        }, cancellationToken);

        try
        {
            foreach (var feeds in samples)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var outputs = runner.Run(feeds, wanted);
                // Wait for room (back-pressure); stop early if the consumer failed.
                while (!channel.Writer.TryWrite(outputs))
                {
                    if (consumer.IsCompleted)
                        break;
                    channel.Writer.WaitToWriteAsync(cancellationToken).AsTask().Wait(cancellationToken);
                }
                if (consumer.IsCompleted)
                    break;
            }
        }
        finally
        {
            channel.Writer.TryComplete();
            WaitUnwrapped(consumer);
        }
        if (done == 0)
            throw new PtqException("no calibration samples were given: the data source is empty");
        return done;
    }

    private static void WaitUnwrapped(Task task)
    {
        try { task.Wait(); }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            var inner = ex.InnerException!;
            if (inner is AggregateException nested && nested.InnerExceptions.Count == 1)
                inner = nested.InnerException!;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }
}
