using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Ptq.Evaluation;

/// <summary>Enumerates a sequence on a background thread, a few items ahead, so decoding overlaps with inference.</summary>
internal static class Prefetch
{
    /// <summary>
    /// Yields <paramref name="source"/> in order while a producer task reads up to <paramref name="capacity"/> items ahead.
    /// A producer exception is rethrown at the point of the sequence where it happened; stopping early stops the producer.
    /// </summary>
    public static IEnumerable<T> Ahead<T>(IEnumerable<T> source, int capacity, CancellationToken cancellationToken)
    {
        using var queue = new BlockingCollection<T>(capacity);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? error = null;
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (T item in source) queue.Add(item, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { error = e; }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None);
        try
        {
            foreach (T item in queue.GetConsumingEnumerable(cancellationToken)) yield return item;
            producer.Wait(CancellationToken.None);
            if (error is not null) ExceptionDispatchInfo.Throw(error);
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None); // the producer never throws: every exception is captured above
        }
    }
}
