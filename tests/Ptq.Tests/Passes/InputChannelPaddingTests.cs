using System.Numerics.Tensors;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tests.Passes;

public class InputChannelPaddingTests
{
    /// <summary>X[1,3,H,W] (H, W &lt; 0: dynamic) → Conv(3→8, 3×3, pad 1) → Relu → Y.</summary>
    private static OnnxModel RgbConv(long height, long width)
    {
        var random = new Random(5);
        var graph = new GraphProto { Name = "rgb" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, height, width));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 8, height, width));
        graph.Initializer.Add(TestModels.RandomFloats("W", random, 8, 3, 3, 3));
        graph.Initializer.Add(TestModels.RandomFloats("B", random, 8));
        graph.Node.Add(TestModels.Node("Conv", "conv", ["X", "W", "B"], ["c"], Node.IntsAttribute("pads", [1, 1, 1, 1])));
        graph.Node.Add(TestModels.Node("Relu", "relu", ["c"], ["Y"]));
        return new OnnxModel(TestModels.Model(graph));
    }

    [Fact]
    public void PaddedConvComputesTheSameFunctionWithFourChannels()
    {
        using var model = RgbConv(64, 64);
        using var prepared = ModelPreparation.Prepare(model, padInputChannels: true).Model;
        var graph = OnnxGraph.FromModel(prepared);
        Assert.Equal([8L, 4, 3, 3], graph.Initializer("W")!.Dims);
        var pad = Assert.Single(graph.Nodes, n => n.OpType == "Pad");
        Assert.Equal("conv" + InputChannelPadding.NodeSuffix, pad.Name);
        Assert.Equal("X", pad.Inputs[0]);

        var feed = SampleFeeds.For(model, seed: 3);
        using var before = new OrtRunner(model);
        using var after = new OrtRunner(prepared);
        float[] expected = before.Run(feed)["Y"].ToFloats(), actual = after.Run(feed)["Y"].ToFloats();
        var difference = new float[expected.Length];
        TensorPrimitives.Subtract(expected, actual, difference);
        Assert.True(TensorPrimitives.MaxMagnitude(difference) < 1e-5f);
    }

    [Theory]
    [InlineData(32, 32, false)] // CIFAR-sized: the Pad's per-op cost outweighs the faster kernel
    [InlineData(64, 64, true)]
    [InlineData(-1, -1, true)] // dynamic: assume a real image
    public void OnlyLargeOrUnknownInputsArePadded(long height, long width, bool padded)
    {
        using var model = RgbConv(height, width);
        var graph = OnnxGraph.FromModel(model);
        Assert.Equal(padded ? 1 : 0, InputChannelPadding.Apply(graph));
        Assert.Equal(padded ? 4 : 3, graph.Initializer("W")!.Dims[1]);
    }

    [Fact]
    public void QuantizedModelPadsTheInputAndStaysCloseToFloat()
    {
        using var model = RgbConv(64, 64);
        var samples = Enumerable.Range(0, 8).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        var graph = OnnxGraph.FromModel(result.Model);
        var pad = Assert.Single(graph.Nodes, n => n.OpType == "Pad");
        // The model input is padded in float and quantized once, after the Pad (ORT has no integer Pad in QDQ form).
        Assert.Equal("X", pad.Inputs[0]);
        Assert.Equal("QuantizeLinear", Assert.Single(graph.Consumers(pad.Outputs[0])).Node.OpType);
        Assert.DoesNotContain(graph.Consumers("X"), c => c.Node.OpType == "QuantizeLinear");
        Assert.Equal([8L, 4, 3, 3], graph.Initializer(graph.Producer(graph.Nodes.Single(n => n.OpType == "Conv").Inputs[1])!.Inputs[0])!.Dims);

        var check = SampleFeeds.For(model, seed: 100);
        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(result.Model);
        double cosine = TensorPrimitives.CosineSimilarity(fp32.Run(check)["Y"].ToFloats(), int8.Run(check)["Y"].ToFloats());
        Assert.True(cosine > 0.999, $"cosine {cosine}");
    }
}
