using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;
using static Ptq.Tests.TestModels;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// Attention-style Softmax over a tensor flattened to 2-D ([heads × rows, columns], as PP-OCRv4 rec exports it): the
/// size rule for feature vectors must not read the first dimension as the batch. It did, called the [320, 40] tensor a
/// 40-value vector and left the Softmax float when quantizing from data, but quantized it from a stats file (which
/// holds no shapes): the two paths gave different models.
/// </summary>
public sealed class FlattenedSoftmaxPlanTests
{
    private const int Heads = 8, Rows = 40;

    [Fact]
    public void DataAndStatisticsPathsPlanTheSameAndTheSoftmaxRunsInt8()
    {
        var model = new OnnxModel(Attention());
        var samples = Feeds(16, seed: 1);
        var settings = new StaticQuantizationSettings();
        var input = new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings());

        var fromData = StaticQuantizer.Quantize(model, settings, input);
        var fromStats = StaticQuantizer.Quantize(model, settings,
            new CalibrationInput.FromStats(CalibrationJob.Run(model, samples, samples.Count, input.Settings), input.Settings));

        var names = fromData.Tensors.Where(t => t.Kind == "Activation").Select(t => t.TensorName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, fromStats.Tensors.Where(t => t.Kind == "Activation").Select(t => t.TensorName).Order(StringComparer.Ordinal));
        Assert.Contains("p2d", names); // the Softmax output, read by the int8 MatMul through the Reshape
        Assert.DoesNotContain(fromData.Plan.FloatNodes, f => f.Node.Name == "softmax");

        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(fromData.Model);
        foreach (var feed in Feeds(4, seed: 99))
        {
            double cosine = Ptq.Evaluation.CosineSimilarity.Compute(fp32.Run(feed)["Y"].ToFloats(), int8.Run(feed)["Y"].ToFloats());
            Assert.True(cosine >= 0.999, $"output cosine {cosine}");
        }
    }

    /// <summary>X[1,8,40,40] → MatMul Wq → Reshape [320, 40] → Softmax → Reshape [1,8,40,40] → MatMul Wv → Y.</summary>
    private static ModelProto Attention()
    {
        var random = new Random(21);
        var graph = new GraphProto { Name = "flattened_softmax" };
        graph.Input.Add(FloatInfo("X", 1, Heads, Rows, Rows));
        graph.Output.Add(FloatInfo("Y", 1, Heads, Rows, Rows));
        graph.Initializer.Add(RandomFloats("Wq", random, Rows, Rows));
        graph.Initializer.Add(RandomFloats("Wv", random, Rows, Rows));
        graph.Initializer.Add(TensorData.FromInt64s("flat", [2], [Heads * Rows, Rows]));
        graph.Initializer.Add(TensorData.FromInt64s("back", [4], [1, Heads, Rows, Rows]));
        graph.Node.Add(Node("MatMul", "scores", ["X", "Wq"], ["s"]));
        graph.Node.Add(Node("Reshape", "to2d", ["s", "flat"], ["s2d"]));
        graph.Node.Add(Node("Softmax", "softmax", ["s2d"], ["p2d"], Ptq.Graph.Node.IntAttribute("axis", 1)));
        graph.Node.Add(Node("Reshape", "to4d", ["p2d", "back"], ["p"]));
        graph.Node.Add(Node("MatMul", "mix", ["p", "Wv"], ["Y"]));
        return Model(graph);
    }

    private static List<IReadOnlyDictionary<string, TensorValue>> Feeds(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (IReadOnlyDictionary<string, TensorValue>)new Dictionary<string, TensorValue>
        {
            ["X"] = TensorValue.FromFloats([1, Heads, Rows, Rows], [.. Enumerable.Range(0, Heads * Rows * Rows).Select(_ => (float)(random.NextDouble() * 2 - 1))]),
        })];
    }
}
