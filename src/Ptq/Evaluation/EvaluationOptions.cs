namespace Ptq.Evaluation;

/// <summary>How <see cref="Evaluator"/> runs. Immutable; invalid values are rejected when set.</summary>
public sealed record EvaluationOptions
{
    private readonly int _intraOpThreads;
    private readonly int _warmupRuns = 3;
    private readonly int _latencyRuns = 20;
    private readonly IReadOnlyList<int> _latencyBatchSizes = [1];

    /// <summary>Defaults: first output, ORT's thread count, 3 warm-up and 20 timed runs at batch 1.</summary>
    public static EvaluationOptions Default { get; } = new();

    /// <summary>The output to score and compare; null takes the model's first output.</summary>
    public string? OutputName { get; init; }

    /// <summary>ONNX Runtime intra-op threads for both sessions; 0 lets ORT choose (one per physical core).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a negative number.</exception>
    public int IntraOpThreads
    {
        get => _intraOpThreads;
        init => _intraOpThreads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Intra-op threads must be 0 (ORT's choice) or positive.");
    }

    /// <summary>Untimed runs of each model per batch size before timing, so caches, allocators and ORT's arenas are warm.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a negative number.</exception>
    public int WarmupRuns
    {
        get => _warmupRuns;
        init => _warmupRuns = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Warm-up runs must not be negative.");
    }

    /// <summary>Timed runs of each model per batch size; 0 skips the latency measurement.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a negative number.</exception>
    public int LatencyRuns
    {
        get => _latencyRuns;
        init => _latencyRuns = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Latency runs must not be negative.");
    }

    /// <summary>
    /// Batch sizes to time. Batch b concatenates the first b samples along axis 0 (repeating them when there are fewer);
    /// sizes above 1 need every input of both models to have a dynamic leading dimension, and are otherwise skipped with a note.
    /// </summary>
    /// <exception cref="ArgumentException">When set to null, an empty list, or a list with a size below 1.</exception>
    public IReadOnlyList<int> LatencyBatchSizes
    {
        get => _latencyBatchSizes;
        init => _latencyBatchSizes = value is { Count: > 0 } && value.All(b => b >= 1)
            ? [.. value]
            : throw new ArgumentException($"Latency batch sizes must be a non-empty list of positive numbers, got [{string.Join(",", value ?? [])}].", nameof(value));
    }

    /// <summary>
    /// User metrics <c>f(reference, actual)</c> over the selected output, evaluated per sample when a reference is given and
    /// summarised by name in <see cref="ComparisonSummary.Custom"/>.
    /// </summary>
    public IReadOnlyDictionary<string, Func<ReadOnlySpan<float>, ReadOnlySpan<float>, double>>? CustomMetrics { get; init; }
}
