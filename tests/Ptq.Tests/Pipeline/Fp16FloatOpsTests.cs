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
}
