using Ptq.Calibration;
using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

public class SqueezeNetQuantizationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CalibrationMethod.MinMax)]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Mse)]
    [InlineData(CalibrationMethod.Avg)]
    public void Explore(CalibrationMethod method)
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var calibration = ImageNetSubset.Load(model, 0, 100);
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration.Select(s => (IReadOnlyDictionary<string, Ptq.Runtime.TensorValue>)s.ToFeeds()), 100,
                new CalibrationSettings { Method = method }));
        var report = ModelEvaluator.Evaluate(result.Model, model, ImageNetSubset.Load(model, 100, 400), ImageNetSubset.Labels,
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
        output.WriteLine($"{method}: agreement {report.Comparison!.AgreementPercent:F2} % cosine mean {report.Comparison.MeanCosine:F5} min {report.Comparison.MinCosine:F5} top1 {report.Accuracy!.Top1Percent:F2} ref {report.ReferenceAccuracy!.Top1Percent:F2}");
    }
}
