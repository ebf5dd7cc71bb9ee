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
/// samples' activations are alive at once, so memory does not grow with the number of samples. Observers read ONNX
/// Runtime's output buffers in place: nothing is copied.
/// </summary>
internal static class CalibrationRunner
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
        TensorViewAction observe,
        int? samplesTotal = null,
        RunnerOptions? runnerOptions = null,
        IProgress<CalibrationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observe);
        // ORT's threads must not busy-wait between operators: the observers need those cores.
        using var runner = OrtRunner.WithOutputs(model, tensors, (runnerOptions ?? RunnerOptions.Default) with { IntraOpSpinning = false });
        var wanted = tensors.ToArray();
        var channel = Channel.CreateBounded<OrtOutputs>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var clock = Stopwatch.StartNew();
        int done = 0;

        var consumer = Task.Run(async () =>
        {
            await foreach (var outputs in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                using (outputs)
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
                var outputs = runner.RunBorrowed(feeds, wanted);
                if (!Hand(channel.Writer, outputs, consumer, cancellationToken))
                    break;
            }
        }
        finally
        {
            channel.Writer.TryComplete();
            try { WaitUnwrapped(consumer); }
            finally
            {
                while (channel.Reader.TryRead(out var unobserved)) // left behind by a failed consumer
                    unobserved.Dispose();
            }
        }
        if (done == 0)
            throw new PtqException("no calibration samples were given: the data source is empty");
        return done;
    }

    /// <summary>
    /// Queues <paramref name="outputs"/> for the consumer, waiting for room (back-pressure). Returns false when the
    /// consumer has stopped (it failed) and nothing more should be produced.
    /// </summary>
    private static bool Hand(ChannelWriter<OrtOutputs> writer, OrtOutputs outputs, Task consumer, CancellationToken cancellationToken)
    {
        try
        {
            while (!writer.TryWrite(outputs))
            {
                if (consumer.IsCompleted)
                {
                    outputs.Dispose();
                    return false;
                }
                // Wake on room or on the consumer stopping: a failed consumer never makes room again.
                Task.WaitAny([writer.WaitToWriteAsync(cancellationToken).AsTask(), consumer], cancellationToken);
            }
        }
        catch
        {
            outputs.Dispose(); // not queued: nobody else will release it
            throw;
        }
        return !consumer.IsCompleted; // once queued, the consumer or the final drain releases it
    }

    private static void WaitUnwrapped(Task task)
    {
        try { task.Wait(); }
        catch (AggregateException ex)
        {
            // Observers run in parallel, so one bad batch (say NaN in several tensors) can fail several at once; the
            // first reason is the one to report, and a PtqException among them means bad input rather than a bug.
            var inner = ex.Flatten().InnerExceptions;
            var first = inner.FirstOrDefault(e => e is PtqException) ?? (inner.Count == 1 ? inner[0] : null);
            if (first is null)
                throw;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
