using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tests.Passes;
using Xunit.Abstractions;
using GraphNode = Ptq.Graph.Node;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// Models that preparation used to break or refuse (issue #10): a PyTorch CNN at opset 10 whose value info for an
/// intermediate tensor says the export batch (the LogSoftmax upgrade then added a Shape → Reshape that ORT fixed to
/// that batch), and an opset-7 style-transfer network made of experimental ops. Each mode's output model is run here.
/// </summary>
public class LegacyModelQuantizationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("full", 0.08)]
    [InlineData("weight-only", 0.04)]
    [InlineData("dynamic", 0.05)]
    [InlineData("fp16", 0.002)]
    public void StaleDeclaredShape_QuantizesInEveryMode_AndRunsAtBatch1AndTheCalibrationBatch(string mode, double maxLogProbError)
    {
        using var model = StaleShapeModel.Build();
        var settings = new StaticQuantizationSettings();
        var calibration = Enumerable.Range(0, 2).Select(i => (IReadOnlyDictionary<string, TensorValue>)StaleShapeModel.Images(StaleShapeModel.ExportBatch, seed: 50 + i)).ToList();
        var result = mode switch
        {
            "full" => StaticQuantizer.Quantize(model, settings, new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings())),
            "weight-only" => WeightOnlyQuantizer.Quantize(model, settings, 0, 0),
            "dynamic" => DynamicQuantizer.Quantize(model, settings),
            _ => Fp16StorageConverter.Convert(model, settings),
        };

        Assert.DoesNotContain(result.Model.Proto.Graph.Node, n => n.OpType is "Shape" or "Flatten");
        using var fp32 = new OrtRunner(model);
        using var quantized = new OrtRunner(result.Model);
        foreach (int batch in new[] { 1, StaleShapeModel.ExportBatch })
        {
            var feeds = StaleShapeModel.Images(batch, seed: 60 + batch);
            float[] expected = fp32.Run(feeds)["output"].ToFloats(), actual = quantized.Run(feeds)["output"].ToFloats();
            Assert.Equal(batch * StaleShapeModel.Classes, actual.Length);
            double maxError = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            int agree = Enumerable.Range(0, batch).Count(b => ArgMax(expected, b) == ArgMax(actual, b));
            output.WriteLine($"{mode} batch {batch}: max |Δ log p| {maxError:F5}, top-1 agreement {agree}/{batch}, log p spread {expected.Max() - expected.Min():F2}");
            Assert.True(maxError <= maxLogProbError, $"{mode} batch {batch}: max |Δ log p| {maxError}");
            Assert.True(agree >= batch * 0.95, $"{mode} batch {batch}: top-1 agreement {agree}/{batch}");
        }
    }

    [Theory]
    [InlineData("full", 0.999)]
    [InlineData("fp16", 0.99999)]
    public void StyleTransferModelOfExperimentalOps_QuantizesAndKeepsItsOutput(string mode, double minimumCosine)
    {
        using var model = LegacyOpAdapterTests.StyleTransferModel();
        var settings = new StaticQuantizationSettings();
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: 70 + i)).ToList();
        var result = mode == "full"
            ? StaticQuantizer.Quantize(model, settings, new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()))
            : Fp16StorageConverter.Convert(model, settings);

        Assert.DoesNotContain(result.Model.Proto.Graph.Node, n => OpsetUpgrader.ExperimentalOps.Contains(n.OpType));
        using var fp32 = new OrtRunner(model);
        using var converted = new OrtRunner(result.Model);
        var feeds = SampleFeeds.For(model, seed: 79);
        double cosine = CosineSimilarity.Compute(fp32.Run(feeds)["styled"].ToFloats(), converted.Run(feeds)["styled"].ToFloats());
        output.WriteLine($"{mode}: output cosine {cosine:F6}");
        Assert.True(cosine >= minimumCosine, $"{mode}: output cosine {cosine}");
    }

    [Fact]
    public void Fp16_KeepsTheOpsetOfAModelWhoseUpgradeIsBlocked_WhileQuantizeRefusesIt()
    {
        // Resize-10 nearest with scales computed at run time cannot be upgraded (its rounding depends on the scales).
        var random = new Random(81);
        var graph = new GraphProto { Name = "blocked" };
        graph.Input.Add(TestModels.FloatInfo("x", 1, 3, 8, 8));
        graph.Input.Add(TestModels.FloatInfo("scales", 4));
        graph.Output.Add(TestModels.FloatInfo("y", 1, 16, 16, 16));
        graph.Initializer.Add(TestModels.RandomFloats("w", random, 16, 3, 5, 5));
        graph.Node.Add(TestModels.Node("Conv", "conv", ["x", "w"], ["c"], GraphNode.IntsAttribute("pads", [2, 2, 2, 2])));
        graph.Node.Add(TestModels.Node("Resize", "resize", ["c", "scales"], ["y"]));
        using var model = new OnnxModel(TestModels.Model(graph, opset: 10, irVersion: 5));

        Assert.Throws<OpsetUpgradeException>(() => WeightOnlyQuantizer.Quantize(model, new StaticQuantizationSettings(), 0, 0));
        var result = Fp16StorageConverter.Convert(model, new StaticQuantizationSettings());

        Assert.Equal(10, result.Model.DefaultOpset);
        Assert.Contains(result.Model.Proto.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        var feeds = SampleFeeds.For(model, seed: 82);
        feeds["scales"] = TensorValue.FromFloats([4], [1, 1, 2, 2]);
        using var fp32 = new OrtRunner(model);
        using var fp16 = new OrtRunner(result.Model);
        float[] expected = fp32.Run(feeds)["y"].ToFloats(), actual = fp16.Run(feeds)["y"].ToFloats();
        Assert.Equal(16 * 16 * 16, actual.Length);
        double cosine = CosineSimilarity.Compute(expected, actual);
        Assert.True(cosine >= 0.99999, $"cosine {cosine}");
    }

    private static int ArgMax(float[] values, int row)
    {
        var span = values.AsSpan(row * StaleShapeModel.Classes, StaleShapeModel.Classes);
        int best = 0;
        for (int i = 1; i < span.Length; i++)
            if (span[i] > span[best]) best = i;
        return best;
    }
}
