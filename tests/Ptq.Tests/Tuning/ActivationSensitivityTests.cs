using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;

namespace Ptq.Tests.Tuning;

public class ActivationSensitivityTests
{
    private static (StaticQuantizationResult Result, List<IReadOnlyDictionary<string, TensorValue>> Samples) Quantized()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var samples = Enumerable.Range(0, 8).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        return (result, samples);
    }

    private static float[] Run(OnnxModel model, IReadOnlyDictionary<string, TensorValue> sample, float[]? mask = null)
    {
        using var runner = new OrtRunner(model);
        var feed = new Dictionary<string, TensorValue>(sample, StringComparer.Ordinal);
        if (mask is not null)
            feed[ActivationSensitivity.MaskInput] = TensorValue.FromFloats([mask.Length], mask);
        return runner.Run(feed)["Y"].ToFloats();
    }

    /// <summary>
    /// With every mask entry on, the switchable model computes what the quantized model computes (every activation and
    /// weight rounded); with one entry on, its output differs from float by that candidate's rounding only, and the
    /// Relu output whose range a few channels set ("r", read by "mix") costs several times more than "m".
    /// </summary>
    [Fact]
    public void MasksSwitchEachCandidatesRoundingOnAlone()
    {
        var (result, samples) = Quantized();
        var (switchable, sources) = ActivationSensitivity.SwitchableModel(result);
        Assert.Equal(["Y", "m", "r"], sources.Order(StringComparer.Ordinal));
        // Each candidate's rounding lives in its If's branch; only the model input (no producer to keep float) stays rounded.
        Assert.Equal(["X"], switchable.Proto.Graph.Node.Where(n => n.OpType == "QuantizeLinear").Select(n => n.Input[0]));
        foreach (var sample in samples.Take(3))
        {
            float[] quantized = Run(result.Model, sample), all = Run(switchable, sample, [.. sources.Select(_ => 1f)]);
            float scale = quantized.Max(MathF.Abs);
            Assert.All(quantized.Zip(all), p => Assert.True(MathF.Abs(p.First - p.Second) <= 1e-5f * scale, $"{p.First} vs {p.Second}"));
        }
        var reference = Run(result.PreparedFloatModel, samples[0]);
        double Loss(string source)
        {
            var mask = new float[sources.Count];
            mask[sources.IndexOf(source)] = 1;
            return 1 - Ptq.Evaluation.CosineSimilarity.Compute(reference, Run(switchable, samples[0], mask));
        }
        // Measured: r 0.0050, m 0.0011, Y 0.00013.
        Assert.True(Loss("r") > 3 * Loss("m") && Loss("m") > 3 * Loss("Y"), $"r {Loss("r")}, m {Loss("m")}, Y {Loss("Y")}");
    }

    /// <summary>
    /// With every mask entry off the switchable model computes what float computes: float weights and the float biases
    /// (bias correction shifted the quantized model's to offset the weights' rounding, so float weights with corrected
    /// biases would put the same error into every candidate's measurement). The model input, which stays rounded, is fed
    /// on its own grid so that its rounding changes nothing.
    /// </summary>
    [Fact]
    public void AllMasksOffComputesWhatFloatComputes()
    {
        var (result, samples) = Quantized();
        Assert.Contains(result.BiasCorrections, c => c.MaxShift > 0); // the biases were corrected
        var input = result.Tensors.Single(t => t.TensorName == "X").Parameters;
        var (switchable, sources) = ActivationSensitivity.SwitchableModel(result);
        foreach (var sample in samples.Take(3))
        {
            var x = sample["X"];
            var onGrid = x.ToFloats().Select(v => (Math.Clamp(MathF.Round(v / input.Scales[0]) + input.ZeroPoints[0], input.Scheme.QMin, input.Scheme.QMax) - input.ZeroPoints[0]) * input.Scales[0]).ToArray();
            var feed = new Dictionary<string, TensorValue>(sample, StringComparer.Ordinal) { ["X"] = TensorValue.FromFloats([.. x.Shape], onGrid) };
            float[] expected = Run(result.PreparedFloatModel, feed), actual = Run(switchable, feed, new float[sources.Count]);
            float scale = expected.Max(MathF.Abs);
            Assert.All(expected.Zip(actual), p => Assert.True(MathF.Abs(p.First - p.Second) <= 1e-5f * scale, $"{p.First} vs {p.Second}"));
        }
    }

    /// <summary>
    /// The first sample measures every candidate and each further one the worse half: with two candidates and four
    /// samples, the worst of three is measured four times and ranked first with its mean loss, the next twice.
    /// </summary>
    [Fact]
    public void FurtherSamplesMeasureOnlyTheWorseHalf()
    {
        var (result, samples) = Quantized();
        var ranked = ActivationSensitivity.Rank(result, samples.Take(4).ToList());
        Assert.Equal("r", ranked[0].Tensor);
        Assert.Equal([4, 2, 1], ranked.Select(l => l.Samples));
        var (switchable, sources) = ActivationSensitivity.SwitchableModel(result);
        double mean = samples.Take(4).Average(s => 1 - Ptq.Evaluation.CosineSimilarity.Compute(Run(result.PreparedFloatModel, s), Run(switchable, s, [.. sources.Select(t => t == "r" ? 1f : 0f)])));
        Assert.Equal(mean, ranked[0].Loss, 1e-9);
    }
}
