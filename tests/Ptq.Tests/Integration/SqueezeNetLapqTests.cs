using Ptq.Calibration;
using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;
using Ptq.Tuning.Lapq;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>
/// LAPQ on SqueezeNet at 4-bit activations, 8-bit weights (the setting where Distiller shows LAPQ's gain), reduced to
/// one sweep on 16 samples (about two minutes on two cores). Calibrated on the first 100 shared images, compared with
/// fp32 on the other 400, as the bench/README.md rows. On fewer held-out images the gain is within the noise: on the
/// first 200 LAPQ and MSE agreed with fp32 equally often (51.5 %).
/// </summary>
public class SqueezeNetLapqTests(ITestOutputHelper output)
{
    [SlowFact("LAPQ on SqueezeNet at 4-bit activations: three calibrations, a sweep of Powell's method, 1200 held-out runs; two to three minutes on two cores")]
    public void Lapq_beats_mse_and_minmax_on_held_out_images_at_4_bit_activations()
    {
        var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var calibration = ImageNetSubset.Load(model, 0, 100).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var settings = new StaticQuantizationSettings { Activations = QuantScheme.ActivationDefault with { Bits = 4 } };
        CalibrationInput Input(CalibrationMethod method) => new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = method });

        var minmax = StaticQuantizer.Quantize(model, settings, Input(CalibrationMethod.MinMax));
        var mse = StaticQuantizer.Quantize(model, settings, Input(CalibrationMethod.Mse));
        var run = StaticRun.Create(model, settings, Input(CalibrationMethod.Lapq), forVariants: false);
        // The samples ptq quantize takes: spread over the calibration set apart from the accuracy guard's 32.
        var searchSamples = CalibrationSplit.OutsidePositions(calibration.Count, 16, 32).Select(i => calibration[i]).ToList();
        var lapq = LossAwareClipping.Search(run, settings, searchSamples, new LapqSettings { Iterations = 1, Samples = 16 },
            new Progress<string>(output.WriteLine));
        Assert.True(lapq.Loss < 0.8 * lapq.InitLoss, $"search loss {lapq.Loss} vs start {lapq.InitLoss}");

        var heldOut = ImageNetSubset.Load(model, 100, 400);
        EvaluationReport Evaluate(OnnxModel quantized, string label)
        {
            var report = Evaluator.Evaluate(quantized, model, heldOut, ImageNetSubset.Labels, new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
            var c = report.Comparison!;
            output.WriteLine($"{label}: agreement {c.AgreementPercent:F2} %, cosine {c.MeanCosine:F5}, top-1 {report.Accuracy!.Top1Percent:F2} %");
            return report;
        }
        var (l, m, n) = (Evaluate(lapq.Result.Model, "lapq"), Evaluate(mse.Model, "mse"), Evaluate(minmax.Model, "minmax"));
        // Measured (as ptq quantize gives them): lapq 56.5 % agreement, cosine 0.699, top-1 44.0 %; mse 48.0 %, 0.643, 38.5 %; min-max 15.5 %, 0.236, 13.75 %.
        Assert.True(l.Comparison!.MeanCosine > m.Comparison!.MeanCosine + 0.02, $"cosine: lapq {l.Comparison.MeanCosine}, mse {m.Comparison.MeanCosine}");
        Assert.True(l.Comparison.AgreementPercent > m.Comparison.AgreementPercent + 4, $"agreement: lapq {l.Comparison.AgreementPercent} %, mse {m.Comparison.AgreementPercent} %");
        Assert.True(l.Accuracy!.Top1Percent > m.Accuracy!.Top1Percent + 2, $"top-1: lapq {l.Accuracy.Top1Percent} %, mse {m.Accuracy.Top1Percent} %");
        Assert.True(m.Comparison.AgreementPercent > n.Comparison!.AgreementPercent + 20, $"agreement: mse {m.Comparison.AgreementPercent} %, min-max {n.Comparison.AgreementPercent} %");
    }
}
