using Ptq.Data;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Recipes;

namespace Ptq.Tests.Tuning;

/// <summary>
/// MindSpore's weight-only mixed bits (bit_num=0): each layer gets the fewest bits within init_scale's relative error
/// (data-free), and auto_tune searches init_scale for the output cosine target.
/// </summary>
public sealed class WeightBitAllocationTests
{
    [Fact]
    public void Relative_error_is_MindSpores_mean_over_output_channels()
    {
        // Channel 0: w = (3, 4), ŵ = (3, 3.5): ‖d‖/‖w‖ = 0.5/5 = 0.1. Channel 1: w = (1, 0), ŵ = (0.8, 0): 0.2/1 = 0.2.
        // Channel 2 is all zero and is left out, as MindSpore leaves out channels without norm.
        float[] w = [3, 4, 1, 0, 0, 0];
        float[] d = [3, 3.5f, 0.8f, 0, 0.5f, 0];
        Assert.Equal(0.15, WeightBitAllocation.RelativeError(w, d, [3, 2], axis: 0), 6);
    }

    [Fact]
    public void Each_layer_gets_the_fewest_bits_within_init_scale()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var recipe = new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, WeightBits = QuantizationRecipe.MixedBits, MixedInitScale = 0.02 };

        var result = Quantizer.Quantize(model, recipe);

        var mixed = result.Run.MixedWeights!;
        Assert.Equal(26, mixed.Layers.Count);
        var prepared = result.Run.Result.PreparedFloatModel;
        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var records = result.Run.Result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.TensorName, StringComparer.Ordinal);
        var scheme = QuantScheme.WeightDefault;
        foreach (var layer in mixed.Layers)
        {
            // The model written holds the allocated bits, per channel, and the codes stay in that range.
            var record = records[layer.Tensor];
            Assert.Equal(layer.Bits, record.Parameters.Scheme.Bits);
            Assert.True(record.Parameters.IsPerChannel, layer.Tensor);
            float[] values = TensorData.ToFloats(graph.Initializer(layer.Tensor)!, prepared.External);
            long[] dims = record.Dims;
            double At(int bits) => WeightBitAllocation.RelativeError(values,
                WeightQuantizer.MinMax(layer.Tensor, values, dims, scheme with { Bits = bits }, 0).Dequantize(dims), dims, 0);
            Assert.InRange(At(layer.Bits), 0, 0.02);
            Assert.Equal(At(layer.Bits), layer.RelativeError, 9);
            Assert.True(At(layer.Bits - 1) > 0.02, $"{layer.Node}: {layer.Bits - 1} bits would already give {At(layer.Bits - 1)}");
        }
        // MindSpore: "init_scale 0.02 … is equivalent to the compression effect of 6-7 fixed bits".
        Assert.InRange(mixed.MeanBits, 6, 8);
        // A larger init_scale gives fewer bits to no layer more.
        var coarser = Quantizer.Quantize(model, recipe with { MixedInitScale = 0.05 }).Run.MixedWeights!;
        Assert.All(coarser.Layers.Zip(mixed.Layers), p => Assert.True(p.First.Bits <= p.Second.Bits, p.First.Node));
        Assert.True(coarser.MeanBits < mixed.MeanBits - 0.5, $"{coarser.MeanBits} vs {mixed.MeanBits}");
    }

    [Fact]
    public void Auto_tune_finds_the_smallest_allocation_that_keeps_the_target()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var recipe = new QuantizationRecipe
        {
            Mode = QuantizationMode.WeightOnly, WeightBits = QuantizationRecipe.MixedBits, TargetCosine = 0.9999, MinWeightChannels = 0,
            Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 64,
        };

        var result = Quantizer.Quantize(model, recipe);

        var mixed = result.Run.MixedWeights!;
        Assert.Equal(0.9999, mixed.TargetCosine);
        Assert.True(mixed.TargetMet);
        Assert.False(mixed.MadeUpInputs);
        Assert.True(result.CheckCosine >= 0.9999, $"{result.CheckCosine}");
        Assert.Equal(mixed.Cosine!.Value, result.CheckCosine!.Value, 9);
        // The chosen init_scale was tried, and no init_scale that kept the target gave fewer weight bits.
        var chosen = mixed.Steps.First(s => s.InitScale == mixed.InitScale);
        Assert.Equal(WeightBitAllocation.TotalBits(mixed.Layers), chosen.TotalBits);
        Assert.DoesNotContain(mixed.Steps, s => s.Cosine >= 0.9999 && s.TotalBits < chosen.TotalBits);
        // MindSpore's coarse grid starts at 0.005 in steps of 0.005.
        Assert.Equal(0.005, mixed.Steps[0].InitScale, 12);
        Assert.Equal(0.010, mixed.Steps[1].InitScale, 12);
        Assert.Equal(3, mixed.Layers.Count);
    }

    [Fact]
    public void Auto_tune_without_data_compares_on_made_up_inputs_as_MindSpore()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var recipe = new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, WeightBits = QuantizationRecipe.MixedBits, TargetCosine = 0.995 };

        var result = Quantizer.Quantize(model, recipe);

        var mixed = result.Run.MixedWeights!;
        Assert.True(mixed.MadeUpInputs);
        Assert.True(mixed.Cosine >= 0.995, $"{mixed.Cosine}");
        Assert.Null(result.CheckCosine); // no data: nothing measured on real samples
        Assert.Contains("made-up inputs", result.MixedWeightsSummary, StringComparison.Ordinal);
    }
}
