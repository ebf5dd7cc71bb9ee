using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Runtime;

namespace Ptq.Tests.Passes;

public class CrossLayerEqualizationTests
{
    /// <summary>X → Conv(3→8, channel c's weights scaled by 4^(c−4)) → Relu → Conv(8→4) → Y: wildly different channel ranges.</summary>
    private static OnnxModel Unbalanced()
    {
        var random = new Random(17);
        var graph = new GraphProto { Name = "cle" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, 8, 8));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 4, 8, 8));
        var w1 = TensorData.ToFloats(TestModels.RandomFloats("W1", random, 8, 3, 3, 3));
        for (int i = 0; i < w1.Length; i++)
            w1[i] *= MathF.Pow(4, i / 27 - 4);
        graph.Initializer.Add(TensorData.FromFloats("W1", [8, 3, 3, 3], w1));
        graph.Initializer.Add(TestModels.RandomFloats("B1", random, 8));
        graph.Initializer.Add(TestModels.RandomFloats("W2", random, 4, 8, 1, 1));
        graph.Node.Add(TestModels.Node("Conv", "a", ["X", "W1", "B1"], ["c1"], Node.IntsAttribute("pads", [1, 1, 1, 1])));
        graph.Node.Add(TestModels.Node("Relu", "relu", ["c1"], ["r"]));
        graph.Node.Add(TestModels.Node("Conv", "b", ["r", "W2"], ["Y"]));
        return new OnnxModel(TestModels.Model(graph));
    }

    private static double[] ChannelRanges(float[] w, int channels) =>
        [.. Enumerable.Range(0, channels).Select(c => w.Skip(c * (w.Length / channels)).Take(w.Length / channels).Max(Math.Abs))];

    [Fact]
    public void EqualizesChannelRangesAndKeepsTheFunction()
    {
        using var model = Unbalanced();
        var graph = OnnxGraph.FromModel(model);
        Assert.Equal(1, CrossLayerEqualization.Apply(graph));

        var a = graph.Nodes.Single(n => n.Name == "a");
        var b = graph.Nodes.Single(n => n.Name == "b");
        var r1 = ChannelRanges(TensorData.ToFloats(graph.Initializer(a.Inputs[1])!), 8);
        var w2 = TensorData.ToFloats(graph.Initializer(b.Inputs[1])!); // [4, 8, 1, 1]: input channel c is w2[o * 8 + c]
        var r2 = Enumerable.Range(0, 8).Select(c => Enumerable.Range(0, 4).Max(o => Math.Abs(w2[o * 8 + c]))).ToArray();
        for (int c = 0; c < 8; c++)
            Assert.Equal(r1[c], r2[c], r1[c] * 1e-5); // both layers now span sqrt(r1·r2) in every channel
        var before = ChannelRanges(TensorData.ToFloats(model.Proto.Graph.Initializer[0]), 8);
        Assert.True(before.Max() / before.Min() > 1000, "the test model starts unbalanced");
        Assert.True(r1.Max() / r1.Min() < before.Max() / before.Min() / 10);

        var proto = model.Proto.Clone();
        proto.Graph = graph.ToProto();
        using var equalized = new OnnxModel(proto);
        var feeds = SampleFeeds.For(model, seed: 8);
        using var x = new OrtRunner(model);
        using var y = new OrtRunner(equalized);
        var expected = x.Run(feeds)["Y"].AsFloatSpan().ToArray();
        var actual = y.Run(feeds)["Y"].AsFloatSpan().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], Math.Max(1e-5, Math.Abs(expected[i]) * 1e-4));
    }
}
