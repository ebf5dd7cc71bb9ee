using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Recipes;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

/// <summary>TNN's <c>-t 0</c>: activations quantized with one scale per channel, and how ONNX Runtime runs them.</summary>
public sealed class PerChannelActivationsTests
{
    private static QuantizationRecipe Recipe(bool perChannel) => new()
    {
        Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 64, Method = Ptq.Calibration.CalibrationMethod.MinMax,
        AccuracyGuard = QuantizationRecipe.AccuracyGuardOff, PerChannelActs = perChannel,
    };

    [Fact]
    public void Every_activation_gets_channel_ranges_within_the_tensor_range_and_the_output_stays_close()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var perTensor = Quantizer.Quantize(model, Recipe(false));
        var perChannel = Quantizer.Quantize(model, Recipe(true));

        var converted = perChannel.Run.PerChannelActivations!.Converted;
        Assert.NotEmpty(converted);
        var tensorRecords = perTensor.Run.Result.Tensors.Where(t => t.Kind == "Activation").ToDictionary(t => t.TensorName, StringComparer.Ordinal);
        foreach (var record in perChannel.Run.Result.Tensors.Where(t => converted.Contains(t.TensorName)))
        {
            var p = record.Parameters;
            Assert.True(p.IsPerChannel && p.Axis == PerChannelActivations.Axis, record.TensorName);
            // Each channel's representable range lies within the per-tensor one (up to one step of rounding).
            var t = tensorRecords[record.TensorName].Parameters;
            float low = t.Dequantize(t.Scheme.QMin), high = t.Dequantize(t.Scheme.QMax);
            for (int c = 0; c < p.Scales.Length; c++)
            {
                Assert.InRange(p.Dequantize(p.Scheme.QMin, c), low - t.Scale, 0.0001f);
                Assert.InRange(p.Dequantize(p.Scheme.QMax, c), 0, high + t.Scale);
            }
        }
        // One scale per channel loses nothing against one per tensor on MNIST's check samples.
        Assert.True(perChannel.CheckCosine >= 0.999, $"{perChannel.CheckCosine}");
        Assert.True(perChannel.CheckCosine >= perTensor.CheckCosine - 1e-4, $"{perChannel.CheckCosine} vs per-tensor {perTensor.CheckCosine}");
    }

    [Fact]
    public void Onnx_runtime_runs_it_without_qdq_fusion_and_fails_with_it()
    {
        // Measured: ORT's QDQ fusion builds QLinearConv from per-channel activation pairs without checking their scales,
        // and the kernel refuses them; at optimization level basic (no fusion) the model runs in float on dequantized values.
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var result = Quantizer.Quantize(model, Recipe(true));
        var feeds = new Dictionary<string, TensorValue> { ["Input3"] = TensorValue.FromFloats([1, 1, 28, 28], new float[784]) };

        var e = Assert.ThrowsAny<Exception>(() =>
        {
            using var fused = new OrtRunner(result.Model);
            fused.Run(feeds);
        });
        Assert.Contains("QLinearConv", e.Message, StringComparison.Ordinal);
        using var basic = new OrtRunner(result.Model, PerChannelActivations.OrtLevel);
        Assert.Equal([1L, 10L], basic.Run(feeds)["Plus214_Output_0"].Shape);
    }
}
