using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;
using Xunit.Abstractions;

namespace Ptq.Tests.Tuning;

public class EmpiricalBiasCorrectionTests(ITestOutputHelper output)
{
    /// <summary>
    /// X[1,4,16,16] → Conv (4→3, 1×1, bias) → Y. Channel 0 of X spans [−10, 10] and sets the per-tensor range (step
    /// 20/255 ≈ 0.078); channels 1–3 sit near 0.37, 0.52 and −0.21 (±0.002), so rounding them is the same offset at every
    /// pixel, and the weights carry it into Y as a per-channel shift that analytic bias correction (weight rounding only)
    /// cannot see.
    /// </summary>
    private static (OnnxModel Model, List<IReadOnlyDictionary<string, TensorValue>> Samples) FlatChannels()
    {
        var random = new Random(11);
        var graph = new GraphProto { Name = "flat_channels" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 4, 16, 16));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 3, 16, 16));
        graph.Initializer.Add(TestModels.RandomFloats("W", random, 3, 4, 1, 1));
        graph.Initializer.Add(TestModels.RandomFloats("B", random, 3));
        graph.Node.Add(TestModels.Node("Conv", "conv", ["X", "W", "B"], ["Y"], Ptq.Graph.Node.IntsAttribute("kernel_shape", [1, 1])));
        float[] levels = [0, 0.37f, 0.52f, -0.21f];
        var samples = new List<IReadOnlyDictionary<string, TensorValue>>();
        for (int s = 0; s < 8; s++)
        {
            var x = new float[4 * 256];
            for (int i = 0; i < x.Length; i++)
            {
                int c = i / 256;
                x[i] = c == 0 ? (float)(random.NextDouble() * 20 - 10) : levels[c] + (float)(random.NextDouble() * 0.004 - 0.002);
            }
            samples.Add(new Dictionary<string, TensorValue> { ["X"] = TensorValue.FromFloats([1, 4, 16, 16], x) });
        }
        return (new OnnxModel(TestModels.Model(graph)), samples);
    }

    private static StaticQuantizationResult Quantize(OnnxModel model, List<IReadOnlyDictionary<string, TensorValue>> samples, bool empirical) =>
        StaticQuantizer.Quantize(model, new StaticQuantizationSettings { EmpiricalBiasCorrection = empirical },
            new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings { Method = CalibrationMethod.MinMax }));

    [Fact]
    public void OutputChannelMeansMoveTowardsFloat()
    {
        var (model, samples) = FlatChannels();
        var analytic = Quantize(model, samples, empirical: false);
        var empirical = Quantize(model, samples, empirical: true);

        double before = EmpiricalBiasCorrection.Shifts(analytic.Model, analytic.PreparedFloatModel, samples).Single().Shift.Max(Math.Abs);
        double after = EmpiricalBiasCorrection.Shifts(empirical.Model, empirical.PreparedFloatModel, samples).Single().Shift.Max(Math.Abs);

        output.WriteLine($"max |channel mean shift|: {before:G3} analytic only, {after:G3} with empirical correction");
        Assert.True(before > 0.005, $"the rounding offset is systematic: max channel mean shift {before}");
        Assert.True(after <= before / 10, $"max channel mean shift {before} before, {after} after");
        var record = Assert.Single(empirical.BiasCorrections);
        Assert.Equal("conv", record.Node);
    }

    [Fact]
    public void StatisticsFilesKeepTheAnalyticCorrection()
    {
        var (model, samples) = FlatChannels();
        var fromSamples = Quantize(model, samples, empirical: false);
        var fromStats = StaticQuantizer.Quantize(model, new StaticQuantizationSettings { EmpiricalBiasCorrection = true },
            new CalibrationInput.FromStats(fromSamples.Statistics, new CalibrationSettings { Method = CalibrationMethod.MinMax }));
        Assert.Equal(ModelIO.ToBytes(fromSamples.Model), ModelIO.ToBytes(fromStats.Model));
    }

    [Fact]
    public void RefusesEmptySamples()
    {
        var (model, samples) = FlatChannels();
        var result = Quantize(model, samples, empirical: false);
        Assert.Throws<PtqException>(() => EmpiricalBiasCorrection.Apply(result.Model, result.PreparedFloatModel, []));
    }
}
