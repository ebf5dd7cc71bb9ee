using System.Text.Json.Serialization;

namespace Ptq.Evaluation;

/// <summary>The result of <see cref="Evaluator.Evaluate"/> (and of the language-model evaluation behind <c>ptq eval --vocab</c>).</summary>
/// <param name="Samples">Samples evaluated.</param>
/// <param name="OutputName">The model output scored and compared.</param>
/// <param name="Labels">Where the labels came from (<see cref="ILabelSource.Description"/>), or null without labels.</param>
/// <param name="Accuracy">Top-1/top-5 accuracy of the model against the labels, or null without labels.</param>
/// <param name="ReferenceAccuracy">The same for the reference model, or null without labels or reference.</param>
/// <param name="Comparison">The model's output against the reference's, or null without a reference.</param>
/// <param name="Latency">Timings per batch size (empty when latency runs are 0 or there were no samples).</param>
/// <param name="ModelBytes">Size of the model file plus its external data files, or null for an in-memory model.</param>
/// <param name="ReferenceBytes">The same for the reference, or null.</param>
/// <param name="ElapsedMs">Wall time of the whole evaluation.</param>
/// <param name="Notes">Things the caller should know (skipped batch sizes, …).</param>
public sealed record EvaluationReport(
    int Samples,
    string OutputName,
    string? Labels,
    AccuracyResult? Accuracy,
    AccuracyResult? ReferenceAccuracy,
    ComparisonSummary? Comparison,
    IReadOnlyList<LatencyResult> Latency,
    long? ModelBytes,
    long? ReferenceBytes,
    double ElapsedMs,
    IReadOnlyList<string> Notes)
{
    /// <summary>Where the next-token targets came from (<see cref="Text.ISequenceTargets.Description"/>), or null without targets.</summary>
    public string? Targets { get; init; }

    // Language-model scores stay off the public facade (its type budget); JsonInclude keeps them in `ptq eval --json`.

    /// <summary>Perplexity of the model's logits on the next-token targets, or null without targets.</summary>
    [JsonInclude]
    internal PerplexityResult? Perplexity { get; init; }

    /// <summary>The same for the reference model, or null without targets or reference.</summary>
    [JsonInclude]
    internal PerplexityResult? ReferencePerplexity { get; init; }
}

/// <summary>How well a language model predicts next-token targets.</summary>
/// <param name="Tokens">Positions scored (those with a target).</param>
/// <param name="NegativeLogLikelihood">Σ over scored positions of −log softmax(logits)[target], in nats.</param>
/// <param name="Top1Correct">Positions whose argmax is the target.</param>
internal sealed record PerplexityResult(long Tokens, double NegativeLogLikelihood, long Top1Correct)
{
    /// <summary><c>exp(NegativeLogLikelihood / Tokens)</c> (NaN when nothing was scored).</summary>
    public double Perplexity => Tokens == 0 ? double.NaN : Math.Exp(NegativeLogLikelihood / Tokens);

    /// <summary>Mean negative log-likelihood per token in bits: <c>NegativeLogLikelihood / (Tokens · ln 2)</c>.</summary>
    public double BitsPerToken => Tokens == 0 ? double.NaN : NegativeLogLikelihood / (Tokens * Math.Log(2));

    /// <summary>Next-token accuracy in percent: <c>100 · Top1Correct / Tokens</c>.</summary>
    public double Top1Percent => Tokens == 0 ? double.NaN : 100.0 * Top1Correct / Tokens;
}

/// <summary>Classification accuracy over labelled samples.</summary>
/// <param name="Labelled">Samples scored.</param>
/// <param name="Top1Correct">Samples whose argmax is the label (<see cref="TopK.Argmax"/>).</param>
/// <param name="Top5Correct">Samples whose label is among the 5 best scores (<see cref="TopK.Contains"/>).</param>
public sealed record AccuracyResult(int Labelled, int Top1Correct, int Top5Correct)
{
    /// <summary><c>100 · Top1Correct / Labelled</c> (NaN when nothing was labelled).</summary>
    public double Top1Percent => Labelled == 0 ? double.NaN : 100.0 * Top1Correct / Labelled;

    /// <summary><c>100 · Top5Correct / Labelled</c> (NaN when nothing was labelled).</summary>
    public double Top5Percent => Labelled == 0 ? double.NaN : 100.0 * Top5Correct / Labelled;
}

/// <summary>Latency of the model and the reference at one batch size, timed in the same interleaved run.</summary>
/// <param name="BatchSize">Samples per run.</param>
/// <param name="Model">The model's run times.</param>
/// <param name="Reference">The reference's run times, or null without a reference.</param>
public sealed record LatencyResult(int BatchSize, TimingStats Model, TimingStats? Reference)
{
    /// <summary>Model throughput: <c>BatchSize · 1000 / Model.MedianMs</c> samples per second.</summary>
    public double ModelSamplesPerSecond => BatchSize * 1000.0 / Model.MedianMs;

    /// <summary>Reference throughput in samples per second, or null.</summary>
    public double? ReferenceSamplesPerSecond => Reference is null ? null : BatchSize * 1000.0 / Reference.MedianMs;

    /// <summary><c>Reference.MedianMs / Model.MedianMs</c> (above 1: the model is faster), or null.</summary>
    public double? Speedup => Reference is null ? null : Reference.MedianMs / Model.MedianMs;
}

/// <summary>
/// Statistics of timed runs. Percentiles interpolate linearly between order statistics (numpy's default): with the n times
/// sorted as t₀ ≤ … ≤ tₙ₋₁, the p-th percentile is at position <c>h = p/100 · (n − 1)</c>, value
/// <c>t⌊h⌋ + (h − ⌊h⌋) · (t⌈h⌉ − t⌊h⌋)</c>.
/// </summary>
/// <param name="Runs">Timed runs.</param>
/// <param name="MedianMs">50th percentile in milliseconds.</param>
/// <param name="P90Ms">90th percentile in milliseconds.</param>
/// <param name="MinMs">Fastest run in milliseconds.</param>
/// <param name="MeanMs">Mean in milliseconds.</param>
public sealed record TimingStats(int Runs, double MedianMs, double P90Ms, double MinMs, double MeanMs)
{
    /// <summary>Statistics of <paramref name="timesMs"/> (any order).</summary>
    /// <exception cref="ArgumentException">When there are no times.</exception>
    public static TimingStats Of(IReadOnlyCollection<double> timesMs)
    {
        ArgumentNullException.ThrowIfNull(timesMs);
        if (timesMs.Count == 0) throw new ArgumentException("No timed runs.", nameof(timesMs));
        double[] t = [.. timesMs.Order()];
        return new TimingStats(t.Length, Percentile(t, 50), Percentile(t, 90), t[0], t.Average());
    }

    /// <summary>The <paramref name="p"/>-th percentile of ascending <paramref name="sorted"/> (see the type's formula).</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        double h = p / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(h), hi = (int)Math.Ceiling(h);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
