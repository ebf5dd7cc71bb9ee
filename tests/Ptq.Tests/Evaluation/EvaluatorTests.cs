using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Xunit.Abstractions;

namespace Ptq.Tests.Evaluation;

public class EvaluatorTests(ITestOutputHelper output)
{
    [Fact]
    public void Model_against_itself_agrees_perfectly_and_is_timed_at_each_batch_size()
    {
        string modelPath = Assets.Model("cifar10-cnn.onnx");
        using var model = ModelIO.Load(modelPath);
        using var reference = ModelIO.Load(modelPath);
        string data = Assets.Get("cifar10", "test");
        var source = CalibrationSources.Create(ModelInputs.Of(model), [data],
            new DataSourceOptions { Recursive = true, Limit = 40, Preprocessing = new ImagePreprocessing(mean: [127.5f], std: [127.5f]) });
        var progress = new List<int>();
        var options = new EvaluationOptions
        {
            IntraOpThreads = 2, WarmupRuns = 1, LatencyRuns = 6, LatencyBatchSizes = [1, 8],
            CustomMetrics = new Dictionary<string, Func<ReadOnlySpan<float>, ReadOnlySpan<float>, double>> { ["len"] = (r, _) => r.Length },
        };

        EvaluationReport report = Evaluator.Evaluate(model, reference, source, LabelSources.Parse("subdirs", data), options, new SyncProgress(progress.Add));

        Assert.Equal(40, report.Samples);
        Assert.Equal(Enumerable.Range(1, 40), progress);
        Assert.Equal("modelOutput", report.OutputName);
        Assert.Equal(report.Accuracy, report.ReferenceAccuracy);
        ComparisonSummary c = report.Comparison!;
        Assert.Equal(40, c.Samples);
        Assert.Equal(1, c.MinCosine);
        Assert.Equal(double.PositiveInfinity, c.SqnrDb);
        Assert.Equal(0, c.MaxAbsError);
        Assert.Equal((40L, 40L), (c.ArgmaxRows, c.ArgmaxAgreements));
        Assert.Equal(new MetricSummary(40, 10, 10, 10), c.Custom["len"]);
        Assert.Equal([1, 8], report.Latency.Select(l => l.BatchSize));
        foreach (LatencyResult l in report.Latency)
        {
            output.WriteLine($"batch {l.BatchSize}: model {l.Model.MedianMs:F3} ms (p90 {l.Model.P90Ms:F3}), ref {l.Reference!.MedianMs:F3} ms, {l.ModelSamplesPerSecond:F0} samples/s");
            Assert.Equal(6, l.Model.Runs);
            Assert.Equal(6, l.Reference.Runs);
            Assert.InRange(l.Model.MedianMs, l.Model.MinMs, l.Model.P90Ms);
        }
        long size = new FileInfo(modelPath).Length;
        Assert.Equal((size, size), (report.ModelBytes, report.ReferenceBytes));
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void Squeezenet_scores_of_shape_N_C_1_1_are_one_row_per_sample()
    {
        string modelPath = Assets.Model("squeezenet1.1.onnx");
        using var model = ModelIO.Load(modelPath);
        using var reference = ModelIO.Load(modelPath);
        var preprocessing = new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224), color: ColorMode.Bgr, mean: [104, 117, 123]);
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("imagenet", "images")], new DataSourceOptions { Limit = 10, Preprocessing = preprocessing });

        EvaluationReport report = Evaluator.Evaluate(model, reference, source, LabelSources.Parse("prefix:" + Assets.Get("labels", "imagenet_wnids.txt"), null),
            new EvaluationOptions { IntraOpThreads = 2, WarmupRuns = 2, LatencyRuns = 10 });

        Assert.Equal((10L, 10L), (report.Comparison!.ArgmaxRows, report.Comparison.ArgmaxAgreements));
        Assert.Equal(10, report.Accuracy!.Labelled);
        LatencyResult l = Assert.Single(report.Latency);
        output.WriteLine($"squeezenet batch 1, 2 threads: model {l.Model.MedianMs:F2} ms (p90 {l.Model.P90Ms:F2}), ref {l.Reference!.MedianMs:F2} ms (p90 {l.Reference.P90Ms:F2}), " +
            $"{l.ModelSamplesPerSecond:F1} samples/s, speedup {l.Speedup:F3}; {report.ModelBytes} bytes; whole run {report.ElapsedMs:F0} ms");
    }

    [Fact]
    public void Batch_sizes_above_one_are_skipped_for_a_static_batch()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist")], new DataSourceOptions { Limit = 5 });
        var report = Evaluator.Evaluate(model, null, source, null,
            new EvaluationOptions { IntraOpThreads = 1, WarmupRuns = 0, LatencyRuns = 3, LatencyBatchSizes = [1, 4] });
        Assert.Equal(5, report.Samples);
        Assert.Null(report.Accuracy);
        Assert.Null(report.Comparison);
        LatencyResult only = Assert.Single(report.Latency);
        Assert.Null(only.Reference);
        Assert.Null(only.Speedup);
        Assert.Contains("batch 4 skipped", Assert.Single(report.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_output_and_out_of_range_labels_are_errors()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist")], new DataSourceOptions { Limit = 2 });
        var ex = Assert.Throws<EvaluationException>(() => Evaluator.Evaluate(model, null, source, null, new EvaluationOptions { OutputName = "nope" }));
        Assert.Contains("Plus214_Output_0", ex.Message, StringComparison.Ordinal);

        var e2 = Assert.Throws<EvaluationException>(() => Evaluator.Evaluate(model, null, source, new FixedLabel(12), new EvaluationOptions { LatencyRuns = 0 }));
        Assert.Contains("label 12", e2.Message, StringComparison.Ordinal);
        Assert.Contains("10 classes", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timing_percentiles_interpolate_linearly()
    {
        TimingStats t = TimingStats.Of([5, 1, 4, 2, 3]);
        Assert.Equal((3.0, 4.6, 1.0, 3.0), (t.MedianMs, t.P90Ms, t.MinMs, t.MeanMs));
        Assert.Equal(2.5, TimingStats.Of([1, 2, 3, 4]).MedianMs);
        Assert.Throws<ArgumentException>(() => new EvaluationOptions { LatencyBatchSizes = [] });
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvaluationOptions { IntraOpThreads = -1 });
    }

    private sealed class FixedLabel(int label) : ILabelSource
    {
        public string Description => "fixed";

        public int LabelOf(string sourceName, int sampleIndex) => label;
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
