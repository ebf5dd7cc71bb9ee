using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>Default-recipe accuracy on the small real models (issue #4 targets).</summary>
public class SmallModelQuantizationTests(ITestOutputHelper output)
{
    [Fact]
    public void MnistKeepsItsAccuracy()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var inputs = ModelInputs.Of(model);
        var mnist = Assets.Get("mnist", "t10k-images-idx3-ubyte.gz");
        var calibration = CalibrationSources.Create(inputs, [mnist], new DataSourceOptions { Limit = 200 });
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()), calibration.Count, new CalibrationSettings()));
        var all = CalibrationSources.Create(inputs, [mnist], new DataSourceOptions());
        var report = ModelEvaluator.Evaluate(result.Model, model, all, LabelSources.Parse(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null),
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
        output.WriteLine($"mnist int8 top-1 {report.Accuracy!.Top1Percent:F2} % (fp32 {report.ReferenceAccuracy!.Top1Percent:F2} %), agreement {report.Comparison!.AgreementPercent:F2} %");
        Assert.Equal(10_000, report.Samples);
        Assert.True(report.Accuracy.Top1Percent >= 98.8, $"int8 accuracy {report.Accuracy.Top1Percent} %");
    }

    [Fact]
    public void Cifar10AgreesWithFloat()
    {
        using var model = ModelIO.Load(Assets.Model("cifar10-cnn.onnx"));
        var inputs = ModelInputs.Of(model);
        var preprocessing = new ImagePreprocessing(mean: [127.5f], std: [127.5f]);
        var folder = Assets.Get("cifar10", "test");
        var options = new DataSourceOptions { Preprocessing = preprocessing, Recursive = true };
        // Every 10th image calibrates (300 of 3000, all classes); the test set is all 3000.
        var calibration = CalibrationSources.Create(inputs, [folder], options).Where((_, i) => i % 10 == 0).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList(), calibration.Count, new CalibrationSettings()));
        var report = ModelEvaluator.Evaluate(result.Model, model, CalibrationSources.Create(inputs, [folder], options), LabelSources.Parse("subdirs", folder),
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
        output.WriteLine($"cifar10 int8 top-1 {report.Accuracy!.Top1Percent:F2} % (fp32 {report.ReferenceAccuracy!.Top1Percent:F2} %), agreement {report.Comparison!.AgreementPercent:F2} %, cosine {report.Comparison.MeanCosine:F5}");
        Assert.Equal(3000, report.Samples);
        Assert.True(report.Comparison.AgreementPercent >= 98.5, $"agreement {report.Comparison.AgreementPercent} %");
    }
}
