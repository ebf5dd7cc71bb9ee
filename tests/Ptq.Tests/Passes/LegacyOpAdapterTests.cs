using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Runtime;
using static Ptq.Tests.Passes.UpgradeTestModels;
using GraphNode = Ptq.Graph.Node;

namespace Ptq.Tests.Passes;

/// <summary>
/// The experimental ops removed at opset 10. ONNX Runtime 1.31 still runs most of them (as deprecated contrib ops), so
/// the upgraded model is held to ORT's output of the original; for those it does not run (GivenTensorFill,
/// ConstantFill, Upsample-1) the reference is computed here from the op's definition.
/// </summary>
public class LegacyOpAdapterTests
{
    public static TheoryData<string, string[]> OrtRunsTheOriginal => new()
    {
        { "imagescaler", ["Mul", "Add"] },
        { "imagescaler_bias_only", ["Add"] },
        { "affine", ["Mul", "Add"] },
        { "scale", ["Mul"] },
        { "scaledtanh", ["Mul", "Tanh", "Mul"] },
        { "parametricsoftplus", ["Mul", "Softplus", "Mul"] },
        { "thresholdedrelu", ["ThresholdedRelu"] },
        { "crop_border", ["Slice"] },
        { "crop_scale", ["Slice"] },
        { "mvn_per_channel", ["MeanVarianceNormalization"] },
        { "mvn_across_channels", ["MeanVarianceNormalization"] },
        { "mvn_mean_only", ["ReduceMean", "Sub"] },
        { "dynamicslice", ["Slice"] },
    };

    [Theory]
    [MemberData(nameof(OrtRunsTheOriginal))]
    public void ExperimentalOp_BecomesStandardOps_AndReproducesOrtOutput(string name, string[] expectedOps)
    {
        using var model = LegacyCase(name);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal(expectedOps, upgraded.Proto.Graph.Node.Select(n => n.OpType));
        int compared = AssertSameOutputs(model, upgraded, seed: 31, relative: 1e-5);
        Assert.Equal(name switch { "crop_border" => 2 * 3 * 3 * 4, "crop_scale" => 2 * 3 * 2 * 3, "dynamicslice" => 2 * 3 * 2 * 5, _ => 2 * 3 * 4 * 5 }, compared);
    }

    [Fact]
    public void GivenTensorFill_WithShapeAttribute_BecomesAConstantHoldingTheValues()
    {
        using var model = Build(7, [Node("GivenTensorFill", [], ["c"], Floats("values", 1, 2, 3, 4, 5, 6), GraphNode.IntsAttribute("shape", [2, 3])),
            Node("Add", ["x", "c"], ["y"])], [("x", [2, 3])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal(["Constant", "Add"], upgraded.Proto.Graph.Node.Select(n => n.OpType));
        var feeds = SampleFeeds.For(model, seed: 32);
        float[] x = feeds["x"].ToFloats();
        using var runner = new OrtRunner(upgraded);
        Assert.Equal(x.Select((v, i) => v + (i + 1)), runner.Run(feeds)["y"].ToFloats());
    }

    [Fact]
    public void GivenTensorFill_ShapedLikeItsInputPlusExtraShape_BecomesReshapeOfTheValues()
    {
        float[] values = [.. Enumerable.Range(0, 12).Select(i => i * 0.5f)];
        using var model = Build(7, [Node("GivenTensorFill", ["x"], ["y"], Floats("values", values), GraphNode.IntsAttribute("extra_shape", [2]))],
            [("x", [2, 3])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        using var runner = new OrtRunner(upgraded);
        var y = runner.Run(SampleFeeds.For(model, seed: 33))["y"];
        Assert.Equal([2L, 3, 2], y.Shape);
        Assert.Equal(values, y.ToFloats());
    }

    [Fact]
    public void ConstantFill_FromAShapeAttributeOrAShapeInput_FillsTheValue()
    {
        var shape = TensorData.FromInt64s("shape", [2], [3, 2]);
        using var model = Build(7,
        [
            Node("ConstantFill", [], ["a"], GraphNode.FloatAttribute("value", 1.5f), GraphNode.IntsAttribute("shape", [2, 2])),
            Node("ConstantFill", ["shape"], ["b"], GraphNode.FloatAttribute("value", -2f), GraphNode.IntAttribute("input_as_shape", 1),
                GraphNode.IntsAttribute("extra_shape", [1]), GraphNode.IntAttribute("dtype", (int)TensorProto.Types.DataType.Int64)),
        ], [], ["a", "b"], [shape], irVersion: 4);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        using var runner = new OrtRunner(upgraded);
        var outputs = runner.Run(new Dictionary<string, TensorValue>());
        Assert.Equal([2L, 2], outputs["a"].Shape);
        Assert.Equal(Enumerable.Repeat(1.5f, 4), outputs["a"].ToFloats());
        Assert.Equal((int)TensorProto.Types.DataType.Int64, outputs["b"].DataType);
        Assert.Equal([3L, 2, 1], outputs["b"].Shape);
        Assert.Equal(Enumerable.Repeat(-2f, 6), outputs["b"].ToFloats());
    }

    [Fact]
    public void Upsample1Nearest_BecomesResize_RepeatingRowsAndColumns()
    {
        // ORT has no Upsample-1 kernel; the definition: y[n,c,h,w] = x[n,c,floor(h/height_scale),floor(w/width_scale)].
        using var model = Build(6, [Node("Upsample", ["x"], ["y"], GraphNode.FloatAttribute("height_scale", 2f), GraphNode.FloatAttribute("width_scale", 3f))],
            [("x", [1, 2, 3, 4])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal("Resize", upgraded.Proto.Graph.Node.Single().OpType);
        var feeds = SampleFeeds.For(model, seed: 34);
        float[] x = feeds["x"].ToFloats();
        using var runner = new OrtRunner(upgraded);
        var y = runner.Run(feeds)["y"];
        Assert.Equal([1L, 2, 6, 12], y.Shape);
        float[] actual = y.ToFloats();
        for (int c = 0; c < 2; c++)
            for (int h = 0; h < 6; h++)
                for (int w = 0; w < 12; w++)
                    Assert.Equal(x[(c * 3 + h / 2) * 4 + w / 3], actual[(c * 6 + h) * 12 + w]);
    }

    [Theory]
    [InlineData("ScaledTanh", "needs both 'alpha' and 'beta'")]
    [InlineData("Crop", "needs 'border' with four")]
    [InlineData("Upsample", "no defined coordinate mapping")]
    [InlineData("GivenTensorFill", "6 elements and 'values' 2")]
    public void ExperimentalOps_WithoutAStandardMeaning_AreRefusedWithTheReason(string opType, string reason)
    {
        var node = opType switch
        {
            "ScaledTanh" => Node(opType, ["x"], ["y"], GraphNode.FloatAttribute("alpha", 2f)),
            "Crop" => Node(opType, ["x"], ["y"], GraphNode.IntsAttribute("scale", [2, 2])),
            "Upsample" => Node(opType, ["x"], ["y"], GraphNode.StringAttribute("mode", "bilinear"),
                GraphNode.FloatAttribute("height_scale", 2f), GraphNode.FloatAttribute("width_scale", 2f)),
            _ => Node(opType, [], ["y"], Floats("values", 1, 2), GraphNode.IntsAttribute("shape", [2, 3])),
        };
        using var model = Build(6, [node], opType == "GivenTensorFill" ? [] : [("x", [1, 1, 4, 4])], ["y"]);

        var blocker = Assert.Single(OpsetUpgrader.CheckSupported(model));
        Assert.Equal(opType, blocker.OpType);
        Assert.Contains(reason, blocker.Reason);
        Assert.Throws<OpsetUpgradeException>(() => OpsetUpgrader.Upgrade(model));
    }

    /// <summary>
    /// A fast-neural-style network in miniature as old exporters wrote it (opset 7): ImageScaler preprocessing, Conv,
    /// InstanceNormalization, Relu, a Crop of the padded border and a Tanh + Affine back to pixel range.
    /// </summary>
    internal static OnnxModel StyleTransferModel()
    {
        var random = new Random(35);
        TensorProto Random(string name, params long[] dims)
        {
            var values = new float[dims.Aggregate(1L, (a, d) => a * d)];
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)(random.NextDouble() * 2 - 1) * 0.3f;
            return TensorData.FromFloats(name, dims, values);
        }
        NodeProto[] nodes =
        [
            Node("ImageScaler", ["image"], ["scaled"], GraphNode.FloatAttribute("scale", 1f / 58f), Floats("bias", -2.12f, -2.04f, -1.8f)),
            Node("Conv", ["scaled", "w1", "b1"], ["c1"], GraphNode.IntsAttribute("kernel_shape", [3, 3]), GraphNode.IntsAttribute("pads", [2, 2, 2, 2])),
            Node("InstanceNormalization", ["c1", "gamma", "beta"], ["n1"], GraphNode.FloatAttribute("epsilon", 1e-5f)),
            Node("Relu", ["n1"], ["r1"]),
            Node("Conv", ["r1", "w2", "b2"], ["c2"], GraphNode.IntsAttribute("kernel_shape", [3, 3]), GraphNode.IntsAttribute("pads", [1, 1, 1, 1])),
            Node("Crop", ["c2"], ["cropped"], GraphNode.IntsAttribute("border", [1, 1, 1, 1])),
            Node("Tanh", ["cropped"], ["t"]),
            Node("Affine", ["t"], ["styled"], GraphNode.FloatAttribute("alpha", 127.5f), GraphNode.FloatAttribute("beta", 127.5f)),
        ];
        var weights = new[] { Random("w1", 16, 3, 3, 3), Random("b1", 16), Random("gamma", 16), Random("beta", 16), Random("w2", 3, 16, 3, 3), Random("b2", 3) };
        return Build(7, nodes, [("image", [1, 3, 16, 16])], ["styled"], weights, irVersion: 4);
    }

    [Fact]
    public void StyleTransferModel_UpgradesAndReproducesItsFloatOutputs()
    {
        using var model = StyleTransferModel();
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.DoesNotContain(upgraded.Proto.Graph.Node, n => OpsetUpgrader.ExperimentalOps.Contains(n.OpType));
        // Output [1,3,16,16]: the 18×18 of the padded Conv cropped by one pixel on each side.
        Assert.Equal(3 * 16 * 16, AssertSameOutputs(model, upgraded, seed: 36, relative: 1e-5));
    }

    private static OnnxModel LegacyCase(string name)
    {
        (string Name, long[]? Shape)[] x = [("x", [2, 3, 4, 5])];
        return name switch
        {
            "imagescaler" => Build(7, [Node("ImageScaler", ["x"], ["y"], GraphNode.FloatAttribute("scale", 0.25f), Floats("bias", 1, -2, 3))], x, ["y"]),
            "imagescaler_bias_only" => Build(7, [Node("ImageScaler", ["x"], ["y"], GraphNode.FloatAttribute("scale", 1f), Floats("bias", 1, 0.5f, -3))], x, ["y"]),
            "affine" => Build(7, [Node("Affine", ["x"], ["y"], GraphNode.FloatAttribute("alpha", 2.5f), GraphNode.FloatAttribute("beta", -0.75f))], x, ["y"]),
            "scale" => Build(7, [Node("Scale", ["x"], ["y"], GraphNode.FloatAttribute("scale", -3f))], x, ["y"]),
            "scaledtanh" => Build(7, [Node("ScaledTanh", ["x"], ["y"], GraphNode.FloatAttribute("alpha", 1.7f), GraphNode.FloatAttribute("beta", 0.6f))], x, ["y"]),
            "parametricsoftplus" => Build(7, [Node("ParametricSoftplus", ["x"], ["y"], GraphNode.FloatAttribute("alpha", 0.5f), GraphNode.FloatAttribute("beta", 4f))], x, ["y"]),
            "thresholdedrelu" => Build(7, [Node("ThresholdedRelu", ["x"], ["y"], GraphNode.FloatAttribute("alpha", 0.3f))], x, ["y"]),
            "crop_border" => Build(7, [Node("Crop", ["x"], ["y"], GraphNode.IntsAttribute("border", [1, 1, 0, 0]))], x, ["y"]),
            "crop_scale" => Build(7, [Node("Crop", ["x"], ["y"], GraphNode.IntsAttribute("border", [2, 1, 0, 0]), GraphNode.IntsAttribute("scale", [2, 3]))], x, ["y"]),
            "mvn_per_channel" => Build(8, [Mvn(acrossChannels: 0, normalizeVariance: 1)], x, ["y"]),
            "mvn_across_channels" => Build(8, [Mvn(acrossChannels: 1, normalizeVariance: 1)], x, ["y"]),
            "mvn_mean_only" => Build(8, [Mvn(acrossChannels: 0, normalizeVariance: 0)], x, ["y"]),
            "dynamicslice" => Build(7, [Node("DynamicSlice", ["x", "starts", "ends", "axes"], ["y"])], x, ["y"],
                [TensorData.FromInt64s("starts", [2], [1, -3]), TensorData.FromInt64s("ends", [2], [3, long.MaxValue]), TensorData.FromInt64s("axes", [2], [2, 1])], irVersion: 4),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    // ORT's MVN-1 kernel requires both attributes although the definition gives defaults.
    private static NodeProto Mvn(long acrossChannels, long normalizeVariance) =>
        Node("MeanVarianceNormalization", ["x"], ["y"], GraphNode.IntAttribute("across_channels", acrossChannels),
            GraphNode.IntAttribute("normalize_variance", normalizeVariance));
}
