using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;

namespace Ptq.Tests.Pipeline;

public class RangeClippingTests
{
    /// <summary>X → Conv (weights ×20, so its output spans far beyond ±6) → Sigmoid → Conv → Y.</summary>
    private static OnnxModel ConvSigmoidConv()
    {
        var random = new Random(9);
        var graph = new GraphProto { Name = "sigmoid" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, 16, 16));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 4, 16, 16));
        var w1 = TensorData.ToFloats(TestModels.RandomFloats("W1", random, 8, 3, 3, 3)).Select(v => v * 20).ToArray();
        graph.Initializer.Add(TensorData.FromFloats("W1", [8, 3, 3, 3], w1));
        graph.Initializer.Add(TestModels.RandomFloats("W2", random, 4, 8, 1, 1));
        graph.Node.Add(TestModels.Node("Conv", "conv1", ["X", "W1"], ["c"], Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1])));
        graph.Node.Add(TestModels.Node("Sigmoid", "sigmoid", ["c"], ["s"]));
        graph.Node.Add(TestModels.Node("Conv", "conv2", ["s", "W2"], ["Y"]));
        return new OnnxModel(TestModels.Model(graph));
    }

    private static Ptq.Quantization.QuantParams ParamsOf(StaticQuantizationSettings settings, string tensor)
    {
        using var model = ConvSigmoidConv();
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, Ptq.Runtime.TensorValue>)SampleFeeds.For(model, seed: i)).ToList();
        var result = StaticQuantizer.Quantize(model, settings with { MinActivationElements = 0 },
            new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.MinMax }));
        return result.Tensors.Single(t => t.Kind == "Activation" && t.TensorName == tensor).Parameters;
    }

    [Fact]
    public void NetAwareClippingCutsSigmoidInputsToPlusMinusSix()
    {
        var plain = ParamsOf(new StaticQuantizationSettings(), "c");
        var netAware = ParamsOf(new StaticQuantizationSettings { NetAwareClipping = true }, "c");
        Assert.True(plain.Scale * 255 > 12.5, $"the Conv output spans {plain.Scale * 255} without clipping");
        Assert.Equal(12f / 255, netAware.Scale, 1e-6f);
    }
}
