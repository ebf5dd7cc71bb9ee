using Ptq.Demo;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

public class StaticQuantizerTests
{
    private static StaticQuantizationResult QuantizeDemo(StaticQuantizationSettings? settings = null) =>
        StaticQuantizer.Quantize(DemoModel.Build(), settings ?? new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(DemoData.Feeds(32).ToList(), 32, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.MinMax }));

    [Fact]
    public void DemoModelQuantizesToFusedInt8KernelsThatAgreeWithFloat()
    {
        var result = QuantizeDemo();
        Assert.Equal(4, result.FoldedBatchNorms);
        // stem and block1a Conv→Relu and the residual Add→Relu; block2's Relu feeds the float head (GlobalAveragePool →
        // Gemm over 32 features is below the minimum activation size), so it stays.
        Assert.Equal(3, result.FusedActivations);
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "fc" && f.Reason.Contains("32 values", StringComparison.Ordinal));

        using var fp32 = new OrtRunner(DemoModel.Build());
        using var int8 = new OrtRunner(result.Model);
        double minCosine = 1;
        int agree = 0, total = 0;
        foreach (var sample in DemoData.Feeds(64, first: 1000))
        {
            var a = fp32.Run(sample)[DemoModel.OutputName].AsFloatSpan();
            var b = int8.Run(sample)[DemoModel.OutputName].AsFloatSpan();
            minCosine = Math.Min(minCosine, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b));
            agree += ArgMax(a) == ArgMax(b) ? 1 : 0;
            total++;
        }
        Assert.True(minCosine > 0.995, $"min cosine {minCosine}");
        Assert.True(agree >= total * 0.95, $"top-1 agreement {agree}/{total}");

        var ops = OrtGraphInspection.OptimizedOpCounts(result.Model);
        Assert.Equal(4, ops.GetValueOrDefault("QLinearConv"));
        Assert.False(ops.ContainsKey("Conv"), "every Conv runs as QLinearConv");
        Assert.Equal(1, ops.GetValueOrDefault("Relu")); // only block2's, before the float head
    }

    [Fact]
    public void QuantizeDequantizePairsAreWellFormed()
    {
        var result = QuantizeDemo();
        var graph = result.Model.Proto.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var q in graph.Node.Where(n => n.OpType == "QuantizeLinear"))
        {
            var dq = Assert.Single(graph.Node, n => n.OpType == "DequantizeLinear" && n.Input[0] == q.Output[0]);
            Assert.Equal(q.Input[1], dq.Input[1]);
            Assert.Equal(q.Input[2], dq.Input[2]);
            var scale = TensorData.ToFloats(initializers[q.Input[1]]);
            Assert.True(scale.Length == 1 && scale[0] > 0 && float.IsFinite(scale[0]));
            Assert.Equal((int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Uint8, initializers[q.Input[2]].DataType);
        }
        // Weights are int8 per-channel behind DequantizeLinear(axis=0); biases int32.
        var convWeights = graph.Node.Where(n => n.OpType == "Conv").Select(n => graph.Node.Single(d => d.Output[0] == n.Input[1])).ToList();
        Assert.All(convWeights, dq => Assert.Equal((int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Int8, initializers[dq.Input[0]].DataType));
        Assert.Equal(4, result.Tensors.Count(t => t.Kind == "Bias")); // the four Conv (the Gemm head stays float)
    }

    [Fact]
    public void SkippedNodesStayFloatAndUnknownNamesAreRefused()
    {
        var result = QuantizeDemo(new StaticQuantizationSettings { SkipNodes = ["fc"] });
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "fc" && f.Reason.Contains("--skip", StringComparison.Ordinal));
        Assert.Contains(result.Model.Proto.Graph.Initializer, t => t.Name == "fc.weight");

        var ex = Assert.Throws<PtqException>(() => QuantizeDemo(new StaticQuantizationSettings { SkipNodes = ["fc2"] }));
        Assert.Contains("'fc'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GlobalGemmInputClipCutsTheRangesOfConvInputs()
    {
        var plain = QuantizeDemo();
        var clipped = QuantizeDemo(new StaticQuantizationSettings { GemmInputClip = 0.5 });
        var before = plain.Tensors.Single(t => t.Kind == "Activation" && t.TensorName == DemoModel.InputName).Parameters;
        var after = clipped.Tensors.Single(t => t.Kind == "Activation" && t.TensorName == DemoModel.InputName).Parameters;
        Assert.True(before.Scale > 0.015f, $"unclipped input scale {before.Scale}"); // the images span about [-2.1, 3.8]
        Assert.Equal(1f / 255, after.Scale, 1e-6f); // [-0.5, 0.5] over 255 steps
        Assert.InRange(after.ZeroPoint, 127, 128); // zero sits mid-range: 0.5 / (1/255) = 127.5 in float
        Assert.ThrowsAny<PtqException>(() => QuantizeDemo(new StaticQuantizationSettings { GemmInputClip = -1 }));
    }

    [Theory]
    [InlineData(4, 8, "INT4", 0.98)]
    [InlineData(8, 16, "INT8", 0.9999)]
    public void LowAndHighBitWidthsUseTheirOnnxStorageTypes(int weightBits, int actBits, string weightStorage, double minCosine)
    {
        var result = QuantizeDemo(new StaticQuantizationSettings
        {
            Weights = new QuantScheme(weightBits, QuantMode.Symmetric, NarrowRange: true),
            Activations = new QuantScheme(actBits, QuantMode.AsymmetricUnsigned),
        });
        Assert.Equal(21, result.Model.DefaultOpset); // 4-bit and 16-bit QuantizeLinear/DequantizeLinear need opset 21
        var graph = result.Model.Proto.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var convWeight = graph.Node.Single(d => d.Output[0] == graph.Node.First(n => n.OpType == "Conv").Input[1]);
        Assert.Equal(weightStorage, OnnxDataType.Name(initializers[convWeight.Input[0]].DataType));
        var activationZeroPoint = initializers[graph.Node.First(n => n.OpType == "QuantizeLinear").Input[2]];
        Assert.Equal(actBits == 16 ? "UINT16" : "UINT8", OnnxDataType.Name(activationZeroPoint.DataType));

        using var fp32 = new OrtRunner(DemoModel.Build());
        using var quantized = new OrtRunner(result.Model);
        double worst = 1;
        foreach (var sample in DemoData.Feeds(16, first: 2000))
            worst = Math.Min(worst, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(
                fp32.Run(sample)[DemoModel.OutputName].AsFloatSpan(), quantized.Run(sample)[DemoModel.OutputName].AsFloatSpan()));
        Assert.True(worst >= minCosine, $"worst cosine {worst}");
    }

    [Fact]
    public void OverridesSetBitsPerLayerAndSkipLayers()
    {
        var result = QuantizeDemo(new StaticQuantizationSettings
        {
            Overrides =
            [
                new NodeOverride { Pattern = "block1.*", Weights = new QuantScheme(4, QuantMode.Symmetric, NarrowRange: true) },
                new NodeOverride { Pattern = "stem_conv", Activations = new QuantScheme(16, QuantMode.AsymmetricUnsigned) },
                new NodeOverride { Pattern = "block2_conv", Skip = true },
            ],
        });
        Assert.Equal(21, result.Model.DefaultOpset);
        var weights = result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.NodeName, t => t.Parameters.Scheme.Bits);
        Assert.Equal(8, weights["stem_conv"]);
        Assert.Equal(4, weights["block1a_conv"]);
        Assert.Equal(4, weights["block1b_conv"]);
        Assert.False(weights.ContainsKey("block2_conv"));
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "block2_conv" && f.Reason == "skipped by override 'block2_conv'");
        var stemOutput = result.Tensors.Single(t => t.Kind == "Activation" && t.NodeName == "stem_conv");
        Assert.Equal(16, stemOutput.Parameters.Scheme.Bits);
        Assert.Equal(8, result.Tensors.Single(t => t.Kind == "Activation" && t.TensorName == DemoModel.InputName).Parameters.Scheme.Bits);

        var ex = Assert.Throws<PtqException>(() => QuantizeDemo(new StaticQuantizationSettings { Overrides = [new NodeOverride { Pattern = "blok1a_conv", Skip = true }] }));
        Assert.Contains("'block1a_conv'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClipTableFixesScalesAndLeavesUnlistedOpsFloat()
    {
        var clips = new Dictionary<string, double> { ["image"] = 3, ["stem_out"] = 4, ["block1a_out"] = 4 };
        var result = QuantizeDemo(new StaticQuantizationSettings { TensorClips = clips, MinActivationElements = 0 });
        var input = result.Tensors.Single(t => t.Kind == "Activation" && t.TensorName == "image").Parameters;
        Assert.Equal(3f / 127, input.Scale, 1e-7f);
        Assert.Equal(0, input.ZeroPoint);
        Assert.Equal(QuantMode.Symmetric, input.Scheme.Mode);
        Assert.Equal(4f / 127, result.Tensors.Single(t => t.Kind == "Activation" && t.TensorName == "stem_out").Parameters.Scale, 1e-7f);
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "block1b_conv" && f.Reason.Contains("not in the clip table", StringComparison.Ordinal));

        var ex = Assert.Throws<PtqException>(() => QuantizeDemo(new StaticQuantizationSettings { TensorClips = new Dictionary<string, double> { ["imag"] = 1 } }));
        Assert.Contains("'imag'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'image'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// --fold-bn false keeps both BatchNorms of <see cref="TestModels.FoldableAndUnfoldableBatchNorms"/>: the one an int8
    /// ConvTranspose reads (through its Relu) gets quantized input and output and runs float between them; the last one,
    /// read by nothing int8, stays float.
    /// </summary>
    [Fact]
    public void UnfoldedBatchNormsAreQuantizedWhereAnInt8OpReadsThem()
    {
        var model = new OnnxModel(TestModels.FoldableAndUnfoldableBatchNorms());
        var samples = Enumerable.Range(0, 16).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();

        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings { FoldBatchNorm = false },
            new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));

        var activations = result.Tensors.Where(t => t.Kind == "Activation").Select(t => t.TensorName).ToHashSet();
        Assert.Contains("c", activations);   // conv_bn's input (the Conv's output)
        Assert.Contains("b", activations);   // conv_bn's output, which the Relu reads
        Assert.Equal(0, result.Tensors.Single(t => t.TensorName == "r").Parameters.ZeroPoint);
        Assert.DoesNotContain(result.Plan.FloatNodes, f => f.Node.Name == "conv_bn");
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "up_bn" && f.Reason.StartsWith("nothing after it runs in int8", StringComparison.Ordinal));

        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(result.Model);
        foreach (var feed in Enumerable.Range(100, 8).Select(i => SampleFeeds.For(model, seed: i)))
        {
            double cosine = Ptq.Evaluation.CosineSimilarity.Compute(fp32.Run(feed)["Y"].ToFloats(), int8.Run(feed)["Y"].ToFloats());
            Assert.True(cosine > 0.999, $"output cosine {cosine}");
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(values);
}
