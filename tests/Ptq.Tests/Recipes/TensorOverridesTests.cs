using Ptq.Onnx;
using Ptq.Recipes;
using Xunit.Abstractions;

namespace Ptq.Tests.Recipes;

/// <summary>
/// ONNX Runtime's TensorQuantOverrides as <c>tensor-overrides: FILE.json</c> (issue #13): an explicit scale and zero
/// point is written as given, an rmin/rmax range replaces the calibrated one, and what Ptq cannot apply per tensor is refused.
/// </summary>
public class TensorOverridesTests(ITestOutputHelper output)
{
    private static readonly QuantizationRecipe Mnist = new() { Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 32, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff };

    [Fact]
    public void ScaleAndZeroPoint_AreWrittenAsGiven_AndRangesReplaceCalibration()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var plain = Quantizer.Quantize(model, Mnist).Run.Result.Tensors.Where(t => t.Kind == "Activation").ToList();
        // The first Conv's output (its Relu is fused, so codes start at 0 = zero point) and the second.
        var first = plain.First(t => t.NodeType == "Conv");
        var second = plain.Last(t => t.NodeType == "Conv");
        using var temp = new TempDirectory();
        string file = temp.File("overrides.json");
        File.WriteAllText(file, $$"""{"{{first.TensorName}}": [{"scale": 4, "zero_point": 0}], "{{second.TensorName}}": [{"rmin": 0, "rmax": 10000}]}""");

        var result = Quantizer.Quantize(model, Mnist with { TensorOverrides = file });
        var tensors = result.Run.Result.Tensors.ToDictionary(t => t.TensorName);
        output.WriteLine($"{first.TensorName}: calibrated scale {first.Parameters.Scale}, overridden {tensors[first.TensorName].Parameters.Scale}; " +
                         $"{second.TensorName}: calibrated {second.Parameters.Scale}, rmax 10000 → {tensors[second.TensorName].Parameters.Scale}; cosine {result.CheckCosine:F5}");
        Assert.Equal(4f, tensors[first.TensorName].Parameters.Scale);
        Assert.Equal(0, tensors[first.TensorName].Parameters.ZeroPoint);
        Assert.Equal(10000f / 255, tensors[second.TensorName].Parameters.Scale, 1e-3f);
        Assert.Equal(0, tensors[second.TensorName].Parameters.ZeroPoint);
        Assert.NotEqual(4f, first.Parameters.Scale);
        // The scale is in the model too, on the QuantizeLinear of that tensor.
        var scale = result.Model.Proto.Graph.Initializer.Single(i => i.Name == result.Model.Proto.Graph.Node
            .Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == first.TensorName).Input[1]);
        Assert.Equal(4f, TensorData.ToFloats(scale)[0]);
        // MNIST's raw-pixel activations span hundreds (calibrated scales ~3.4 and ~26): wider ranges keep the output.
        Assert.True(result.CheckCosine > 0.999, $"cosine {result.CheckCosine}");
    }

    [Theory]
    [InlineData("""{"Nonexistent_Output": [{"rmin": 0, "rmax": 1}]}""", "closest")]
    [InlineData("""{"X": [{"scale": 0.1}]}""", "scale and zero_point together")]
    [InlineData("""{"X": [{"quant_type": "QInt8"}]}""", "'quant_type' per tensor is not supported")]
    [InlineData("""{"X": [{"scale": 0.1, "zero_point": 0}, {"scale": 0.2, "zero_point": 0}]}""", "per-channel")]
    [InlineData("""{"X": [{"rmin": 2, "rmax": 1}]}""", "at most rmax")]
    [InlineData("""[1, 2]""", "expected an object")]
    public void BadOverrides_AreRefusedWithTheReason(string json, string expected)
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        using var temp = new TempDirectory();
        string file = temp.File("overrides.json");
        File.WriteAllText(file, json);
        var ex = Assert.ThrowsAny<PtqException>(() => Quantizer.Quantize(model, Mnist with { TensorOverrides = file }));
        output.WriteLine(ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void ExplicitZeroPoint_ThatUndoesAFusedRelu_IsRefused()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var first = Quantizer.Quantize(model, Mnist).Run.Result.Tensors.First(t => t.Kind == "Activation" && t.NodeType == "Conv");
        using var temp = new TempDirectory();
        string file = temp.File("overrides.json");
        File.WriteAllText(file, $$"""{"{{first.TensorName}}": [{"scale": 0.1, "zero_point": 128}]}""");
        var ex = Assert.ThrowsAny<PtqException>(() => Quantizer.Quantize(model, Mnist with { TensorOverrides = file }));
        Assert.Contains("fused", ex.Message);
    }
}
