using System.Diagnostics;
using Ptq.Data;
using Ptq.Evaluation.Text;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Evaluation;

/// <summary>
/// Scores a model (typically quantized) on labelled data and against a reference model (typically its fp32 original):
/// accuracy, output agreement and error, latency, size. Samples stream through: memory does not grow with their number.
/// </summary>
public static class Evaluator
{
    private const int PrefetchedSamples = 4;

    /// <summary>
    /// Runs every sample through <paramref name="model"/> (and <paramref name="reference"/> when given), one sample per run,
    /// and reports:
    /// <list type="bullet">
    /// <item>with <paramref name="labels"/>: top-1/top-5 accuracy of the selected output, which must be shaped [1, C] or
    /// [1, C, 1, 1] (class scores; argmax and top-k as in <see cref="TopK"/>), for both models;</item>
    /// <item>with a reference: <see cref="OutputComparison"/> of the outputs (argmax agreement per row of C scores, or of the
    /// innermost dimension for other shapes) and the custom metrics of <paramref name="options"/>;</item>
    /// <item>latency per batch size (<see cref="EvaluationOptions.LatencyBatchSizes"/>) of both models in one interleaved run
    /// on the first samples, after the accuracy pass;</item>
    /// <item>file sizes in bytes.</item>
    /// </list>
    /// Samples are decoded on a background thread a few ahead of inference. <paramref name="progress"/> receives the number
    /// of samples done after each one.
    /// </summary>
    /// <exception cref="EvaluationException">
    /// When the output option names no output, the reference output differs in shape, labels are given for an output that is
    /// not [1, C] / [1, C, 1, 1], or a label is not below C.
    /// </exception>
    /// <exception cref="LabelException">When a sample has no label.</exception>
    /// <exception cref="RuntimeException">When ORT refuses a model or a sample.</exception>
    /// <exception cref="DataSourceException">When a sample cannot be read.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public static EvaluationReport Evaluate(
        OnnxModel model,
        OnnxModel? reference,
        IEnumerable<CalibrationSample> samples,
        ILabelSource? labels,
        EvaluationOptions? options = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        Run(model, reference, samples, labels, null, options, progress, cancellationToken);

    /// <summary>
    /// Evaluates a language model: as <see cref="Evaluate"/>,
    /// but the selected output holds next-token logits shaped [1, T, V] or [T, V] (one row of V per position) and is
    /// scored against <paramref name="targets"/> (T per sample): perplexity <c>exp(Σ nll / tokens)</c> and next-token
    /// accuracy (<see cref="PerplexityResult"/>) for the model and the reference. The comparison with the reference reports
    /// argmax agreement per position.
    /// </summary>
    /// <exception cref="EvaluationException">
    /// As above, and when the output is not [1, T, V] / [T, V] with T the number of targets, or a target is not below V.
    /// </exception>
    internal static EvaluationReport EvaluateLanguageModel(
        OnnxModel model,
        OnnxModel? reference,
        IEnumerable<CalibrationSample> samples,
        ISequenceTargets targets,
        EvaluationOptions? options = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Run(model, reference, samples, null, targets, options, progress, cancellationToken);
    }

    private static EvaluationReport Run(OnnxModel model, OnnxModel? reference, IEnumerable<CalibrationSample> samples, ILabelSource? labels,
        ISequenceTargets? targets, EvaluationOptions? options, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        options ??= EvaluationOptions.Default;
        long start = Stopwatch.GetTimestamp();
        var runnerOptions = new RunnerOptions { IntraOpThreads = options.IntraOpThreads };
        using var modelRunner = new OrtRunner(model, runnerOptions);
        using var referenceRunner = reference is null ? null : new OrtRunner(reference, runnerOptions);

        string output = OutputScores.SelectModelOutput(modelRunner.OutputNames, options.OutputName, model.DisplayName);
        string? referenceOutput = referenceRunner is null ? null
            : OutputScores.SelectReferenceOutput(referenceRunner.OutputNames, output, IndexOf(modelRunner.OutputNames, output), reference!.DisplayName);
        var modelTimed = new LatencyBenchmark.Timed(modelRunner, output);
        var referenceTimed = referenceRunner is null ? null : new LatencyBenchmark.Timed(referenceRunner, referenceOutput!);

        var accuracy = labels is null ? null : new AccuracyCounter();
        var referenceAccuracy = labels is null || reference is null ? null : new AccuracyCounter();
        var perplexity = targets is null ? null : new PerplexityCounter();
        var referencePerplexity = targets is null || reference is null ? null : new PerplexityCounter();
        var comparison = reference is null ? null : new OutputComparison(options.CustomMetrics);
        int keep = options.LatencyRuns > 0 ? options.LatencyBatchSizes.Max() : 0;
        var firstSamples = new List<CalibrationSample>(keep);
        int count = 0;

        foreach (CalibrationSample sample in Prefetch.Ahead(samples, PrefetchedSamples, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var feeds = sample.ToFeeds();
            TensorValue actual = modelTimed.Output(feeds);
            TensorValue? expected = referenceTimed?.Output(feeds);
            float[] actualScores = OutputScores.Floats(actual);
            float[]? expectedScores = expected is null ? null : OutputScores.Floats(expected);
            // Checked before scoring, so the reference's accuracy never reads scores of another shape.
            if (expected is not null && !actual.Shape.SequenceEqual(expected.Shape))
                throw new EvaluationException($"Sample '{sample.SourceName}': output '{output}' has shape {OutputScores.ShapeText(actual.Shape)} but the reference's '{referenceOutput}' has {OutputScores.ShapeText(expected.Shape)}.");
            if (labels is not null)
            {
                int label = CheckedLabel(labels, sample, count, actual.Shape, output);
                accuracy!.Add(actualScores, label);
                referenceAccuracy?.Add(expectedScores!, label);
            }
            if (targets is not null)
            {
                long[] sampleTargets = CheckedTargets(targets, sample, count, actual.Shape, output, out int vocabulary);
                perplexity!.Add(actualScores, vocabulary, sampleTargets);
                referencePerplexity?.Add(expectedScores!, vocabulary, sampleTargets);
            }
            comparison?.Add(expectedScores!, actualScores, OutputScores.RowLength(actual.Shape));
            if (firstSamples.Count < keep) firstSamples.Add(sample);
            count++;
            progress?.Report(count);
        }

        var notes = new List<string>();
        var latency = count == 0 || options.LatencyRuns == 0 ? [] : MeasureLatency(model, reference, modelTimed, referenceTimed, firstSamples, options, notes, cancellationToken);
        if (count == 0) notes.Add("The data source yielded no samples.");
        return new EvaluationReport(count, output, labels?.Description, accuracy?.ToResult(), referenceAccuracy?.ToResult(), comparison?.ToSummary(),
            latency, ModelFiles.Bytes(model), reference is null ? null : ModelFiles.Bytes(reference), Stopwatch.GetElapsedTime(start).TotalMilliseconds, notes)
        {
            Targets = targets?.Description,
            Perplexity = perplexity?.ToResult(),
            ReferencePerplexity = referencePerplexity?.ToResult(),
        };
    }

    private static long[] CheckedTargets(ISequenceTargets targets, CalibrationSample sample, int index, long[] shape, string output, out int vocabulary)
    {
        long[] sampleTargets = targets.TargetsOf(sample, index);
        long[] rows = shape is [1, _, _] ? shape[1..] : shape;
        if (rows is not [var t, var v] || t != sampleTargets.Length)
            throw new EvaluationException($"Output '{output}' has shape {OutputScores.ShapeText(shape)} for sample '{sample.SourceName}'; perplexity needs next-token logits shaped [1,T,V] or [T,V] with T = {sampleTargets.Length} positions (pick another output with the output option).");
        vocabulary = (int)v;
        foreach (long target in sampleTargets)
        {
            if (target < -1 || target >= v)
                throw new EvaluationException($"Sample '{sample.SourceName}' has next-token target {target} ({targets.Description}) but output '{output}' scores only {v} tokens.");
        }
        return sampleTargets;
    }

    private static int CheckedLabel(ILabelSource labels, CalibrationSample sample, int index, long[] shape, string output)
    {
        int classes = OutputScores.ClassCount(shape) is { } c && shape[0] == 1 ? c
            : throw new EvaluationException($"Output '{output}' has shape {OutputScores.ShapeText(shape)} for sample '{sample.SourceName}'; accuracy needs class scores shaped [1,C] or [1,C,1,1] (pick another output with the output option).");
        int label = labels.LabelOf(sample.SourceName, index);
        return label >= 0 && label < classes ? label
            : throw new EvaluationException($"Sample '{sample.SourceName}' has label {label} ({labels.Description}) but output '{output}' scores only {classes} classes.");
    }

    private static List<LatencyResult> MeasureLatency(OnnxModel model, OnnxModel? reference, LatencyBenchmark.Timed modelTimed, LatencyBenchmark.Timed? referenceTimed,
        List<CalibrationSample> firstSamples, EvaluationOptions options, List<string> notes, CancellationToken cancellationToken)
    {
        bool dynamicBatch = HasDynamicBatch(model) && (reference is null || HasDynamicBatch(reference));
        var results = new List<LatencyResult>();
        foreach (int batch in options.LatencyBatchSizes.Distinct())
        {
            if (batch > 1 && !dynamicBatch)
            {
                notes.Add($"Latency at batch {batch} skipped: not every input has a dynamic leading dimension.");
                continue;
            }
            // Repeat the first samples when there are fewer than the batch size: timing needs the shape, not distinct data.
            var batchSamples = Enumerable.Range(0, batch).Select(i => firstSamples[i % firstSamples.Count]).ToList();
            var feeds = batch == 1 ? batchSamples[0].ToFeeds() : TensorFeeds.Concatenate(batchSamples);
            results.Add(LatencyBenchmark.Measure(modelTimed, referenceTimed, feeds, batch, options.WarmupRuns, options.LatencyRuns, cancellationToken));
        }
        return results;
    }

    private static bool HasDynamicBatch(OnnxModel model) => ModelInputs.Of(model).All(i => i.Rank > 0 && i.IsDynamic(0));

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == name) return i;
        return -1;
    }
}
