using System.Diagnostics;
using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Xunit.Abstractions;

namespace Ptq.Tests.Evaluation;

/// <summary>
/// The fp32 figures of shared/assets/README.md, reproduced exactly. A mismatch means the data pipeline (decode, resize,
/// crop, channel order, normalisation) or the metrics drifted; do not loosen these.
/// </summary>
public class ReferenceAccuracyTests(ITestOutputHelper output)
{
    // Two threads: the machine has two cores and the pins should take seconds, not minutes. No latency: accuracy only.
    private static readonly EvaluationOptions Options = new() { IntraOpThreads = 2, LatencyRuns = 0 };

    [Fact]
    public void Squeezenet_imagenet_500_top1_60_top5_82()
    {
        var preprocessing = new ImagePreprocessing(resizeShort: 256, resizeMethod: ResizeMethod.Linear, crop: new ImageSize(224, 224),
            color: ColorMode.Bgr, mean: [104, 117, 123], layout: TensorLayout.Nchw);
        EvaluationReport report = Run("squeezenet1.1.onnx", Assets.Get("imagenet", "images"), new DataSourceOptions { Preprocessing = preprocessing },
            LabelSources.Parse("prefix:" + Assets.Get("labels", "imagenet_wnids.txt"), null));
        Assert.Equal("softmaxout_1", report.OutputName);
        Assert.Equal(new AccuracyResult(500, 300, 410), report.Accuracy);
        Assert.Equal(60.0, report.Accuracy!.Top1Percent);
        Assert.Equal(82.0, report.Accuracy.Top5Percent);
    }

    [Fact]
    public void Mnist_cnn_10k_test_set_98_91()
    {
        EvaluationReport report = Run("mnist-cnn.onnx", Assets.Get("mnist"), DataSourceOptions.Default,
            LabelSources.Parse(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null));
        Assert.Equal(10000, report.Samples);
        Assert.Equal(9891, report.Accuracy!.Top1Correct);
        Assert.Equal(98.91, report.Accuracy.Top1Percent, 10);
    }

    [Fact]
    public void Cifar10_cnn_3000_test_images_64_07()
    {
        string data = Assets.Get("cifar10", "test");
        var options = new DataSourceOptions { Recursive = true, Preprocessing = new ImagePreprocessing(color: ColorMode.Rgb, mean: [127.5f], std: [127.5f]) };
        EvaluationReport report = Run("cifar10-cnn.onnx", data, options, LabelSources.Parse("subdirs", data));
        Assert.Equal(3000, report.Samples);
        Assert.Equal(1922, report.Accuracy!.Top1Correct);
        Assert.Equal(64.07, report.Accuracy.Top1Percent, 2);
    }

    private EvaluationReport Run(string modelFile, string data, DataSourceOptions dataOptions, ILabelSource labels)
    {
        var clock = Stopwatch.StartNew();
        using OnnxModel model = ModelIO.Load(Assets.Model(modelFile));
        ICalibrationSource source = CalibrationSources.Create(ModelInputs.Of(model), [data], dataOptions);
        EvaluationReport report = Evaluator.Evaluate(model, null, source, labels, Options);
        output.WriteLine($"{modelFile}: {report.Accuracy} top-1 {report.Accuracy?.Top1Percent:F2} % top-5 {report.Accuracy?.Top5Percent:F2} % in {clock.Elapsed.TotalSeconds:F1} s");
        return report;
    }
}
