using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Recipes;

namespace Ptq.Tests.Pipeline;

/// <summary>Bolt's <c>-i INT8_FP16</c>: the operators a quantization leaves float compute in float16.</summary>
public sealed class Fp16FloatOpsTests
{
    private static QuantizationRecipe Recipe(QuantizationMode mode, bool fp16) => new()
    {
        Mode = mode, Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 64, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff, FloatOpsFp16 = fp16,
    };

    [Fact]
    public void Float_operators_compute_in_float16_behind_casts_and_the_output_stays_close()
    {
        const QuantizationMode mode = QuantizationMode.Full;
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var fp32 = Quantizer.Quantize(model, Recipe(mode, fp16: false));
        var fp16 = Quantizer.Quantize(model, Recipe(mode, fp16: true));

        var converted = fp16.Run.Fp16FloatOps!.Converted;
        Assert.NotEmpty(converted);
        Assert.All(converted, n => Assert.Contains(fp32.Run.Result.Plan.FloatNodes, f => f.Node.DisplayName == n));
        var graph = OnnxGraph.FromModel(fp16.Model, promoteConstants: false);
        foreach (var node in graph.Nodes.Where(n => converted.Contains(n.DisplayName)))
        {
            // Every float input arrives as float16: a Cast to float16 or a float16 constant, or another converted node's output.
            foreach (string input in node.Inputs.Where(i => i.Length > 0))
            {
                bool half = graph.Initializer(input) is { } t ? t.DataType is (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Float16 or not (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Float
                    : graph.Producer(input) is { } p && (p.OpType == "Cast" && p.GetInt("to", 0) == 10 || converted.Contains(p.DisplayName));
                Assert.True(half, $"{node}: input '{input}' is not float16");
            }
            // Its outputs go back to float32 through a Cast for the operators that compute in float32.
            Assert.All(node.Outputs, o => Assert.All(graph.Consumers(o), c => Assert.True(c.Node.OpType == "Cast" || converted.Contains(c.Node.DisplayName), $"{o} → {c.Node}")));
        }
        // float16 arithmetic in the float part costs at most a thousandth of output cosine on MNIST.
        Assert.True(fp16.CheckCosine >= 0.999, $"{fp16.CheckCosine}");
        Assert.InRange(Math.Abs(fp16.CheckCosine!.Value - fp32.CheckCosine!.Value), 0, 1e-3);
    }

    /// <summary>Bolt's <c>-q MIX</c>: int8 weights, and float16 storage for the layers left float.</summary>
    [Fact]
    public void Weights_left_float_are_stored_as_float16_and_the_output_stays_close()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        string skipped = graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm" or "MatMul").Select(n => n.DisplayName).Last();
        var recipe = Recipe(QuantizationMode.WeightOnly, fp16: false) with { Skip = [skipped] };
        var fp32 = Quantizer.Quantize(model, recipe);
        var fp16 = Quantizer.Quantize(model, recipe with { FloatWeightsFp16 = true });

        Assert.True(fp16.Run.Fp16FloatWeights > 0);
        var quantized = OnnxGraph.FromModel(fp16.Model, promoteConstants: false);
        var layer = quantized.Nodes.Single(n => n.DisplayName == skipped);
        var cast = quantized.Producer(layer.Inputs[1]);
        Assert.Equal("Cast", cast?.OpType);
        Assert.Equal((int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Float16, quantized.Initializer(cast!.Inputs[0])!.DataType);
        // float16 storage of one layer's weights (11-bit mantissa) moves the output cosine by far less than a thousandth.
        Assert.InRange(Math.Abs(fp16.CheckCosine!.Value - fp32.CheckCosine!.Value), 0, 1e-4);
        using var temp = new TempDirectory();
        fp16.Save(temp.File("fp16.onnx"));
        fp32.Save(temp.File("fp32.onnx"));
        Assert.True(new FileInfo(temp.File("fp16.onnx")).Length < new FileInfo(temp.File("fp32.onnx")).Length);
    }
}
