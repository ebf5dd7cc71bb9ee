using Ptq.Onnx;
using Ptq.Recipes;
using Xunit.Abstractions;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Recipes;

/// <summary>
/// ONNX Runtime's QuantizeBias=False (<c>quantize-bias: false</c>) and Distiller's --qe-bits-wts 0
/// (<c>quantize-weights: false</c>) on MNIST: the parameters they name stay float initializers with the float model's
/// values, the activations are quantized as before, and the output still matches float.
/// </summary>
public class QuantizedParametersTests(ITestOutputHelper output)
{
    private static readonly QuantizationRecipe Mnist = new()
    {
        Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 32, BiasCorrection = false, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff,
    };

    [Fact]
    public void QuantizeBiasFalse_KeepsConvBiasesFloat()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var all = Quantizer.Quantize(model, Mnist);
        var result = Quantizer.Quantize(model, Mnist with { QuantizeBias = false });
        var graph = result.Model.Proto.Graph;
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        output.WriteLine($"cosine {result.CheckCosine:F6} (int32 biases: {all.CheckCosine:F6})");
        Assert.Equal(2, convs.Count);
        Assert.DoesNotContain(graph.Initializer, i => i.DataType == (int)DT.Int32);
        Assert.Contains(all.Model.Proto.Graph.Initializer, i => i.DataType == (int)DT.Int32);
        foreach (var conv in convs)
        {
            // Weight behind a DequantizeLinear, bias read directly as float.
            Assert.Contains(graph.Node, n => n.OpType == "DequantizeLinear" && n.Output[0] == conv.Input[1]);
            var bias = graph.Initializer.Single(i => i.Name == conv.Input[2]);
            Assert.Equal((int)DT.Float, bias.DataType);
        }
        Assert.Equal(0, result.Run.Result.Tensors.Count(t => t.Kind == "Bias"));
        Assert.Equal(all.Run.Result.Tensors.Count(t => t.Kind == "Activation"), result.Run.Result.Tensors.Count(t => t.Kind == "Activation"));
        Assert.True(result.CheckCosine >= 0.9999, $"cosine {result.CheckCosine}");
    }

    [Fact]
    public void QuantizeWeightsFalse_QuantizesActivationsOnly()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var result = Quantizer.Quantize(model, Mnist with { QuantizeWeights = false });
        var graph = result.Model.Proto.Graph;
        var floatWeights = model.Proto.Graph.Initializer.Where(i => i.Dims.Count == 4).ToDictionary(i => i.Name);
        output.WriteLine($"cosine {result.CheckCosine:F6}; {result.Run.Result.Tensors.Count} quantized tensors");
        Assert.All(result.Run.Result.Tensors, t => Assert.Equal("Activation", t.Kind));
        Assert.True(result.Run.Result.Tensors.Count >= 3);
        Assert.DoesNotContain(graph.Initializer, i => i.DataType is (int)DT.Int8 or (int)DT.Int32 && i.Dims.Count > 0);
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            var weight = graph.Initializer.Single(i => i.Name == conv.Input[1]);
            Assert.Equal(TensorData.ToFloats(floatWeights[weight.Name]), TensorData.ToFloats(weight));
        }
        Assert.True(result.CheckCosine >= 0.9999, $"cosine {result.CheckCosine}");
    }

    [Fact]
    public void BothOff_OutsideFullMode_AreRefused()
    {
        Assert.Contains("quantize-bias false with mode weight-only", Assert.Throws<RecipeException>(() => (Mnist with { Mode = QuantizationMode.WeightOnly, QuantizeBias = false }).Validate()).Message);
        Assert.Contains("quantize-weights false with mode dynamic", Assert.Throws<RecipeException>(() => (Mnist with { Mode = QuantizationMode.Dynamic, QuantizeWeights = false }).Validate()).Message);
    }
}
