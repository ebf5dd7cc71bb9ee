using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using static Ptq.Tests.Passes.UpgradeTestModels;
using GraphNode = Ptq.Graph.Node;

namespace Ptq.Tests.Passes;

public class UpgradeAdapterTests
{
    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    [InlineData("Hardmax")]
    public void SoftmaxFamily_Rank4Axis1_IsRewrittenAsFlattenOpReshape(string opType)
    {
        using var model = Build(11, [Node(opType, ["x"], ["y"], GraphNode.IntAttribute("axis", 1))], [("x", [2, 3, 4, 5])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal(new[] { "Flatten", "Shape", opType, "Reshape" }.Order(), upgraded.Proto.Graph.Node.Select(n => n.OpType).Order());
        var op = upgraded.Proto.Graph.Node.Single(n => n.OpType == opType);
        Assert.Equal(-1, op.Attribute.Single(a => a.Name == "axis").I);
        // Pre-13 normalizes over 3*4*5 = 60 values per batch row, which a plain axis=1 Softmax-13 would not.
        Assert.Equal(2 * 3 * 4 * 5, AssertSameOutputs(model, upgraded, seed: 3));
    }

    [Fact]
    public void Softmax_UnknownRank_IsRewritten_AndLastAxisOnKnownRank_OnlySetsTheAttribute()
    {
        using var unknown = Build(9, [Node("Softmax", ["x"], ["y"])], [("x", null)], ["y"]);
        using var upgradedUnknown = OpsetUpgrader.Upgrade(unknown);
        Assert.Contains(upgradedUnknown.Proto.Graph.Node, n => n.OpType == "Flatten");

        using var last = Build(9, [Node("Softmax", ["x"], ["y"], GraphNode.IntAttribute("axis", 3))], [("x", [2, 3, 4, 5])], ["y"]);
        using var upgradedLast = OpsetUpgrader.Upgrade(last);
        var node = Assert.Single(upgradedLast.Proto.Graph.Node);
        Assert.Equal(3, node.Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(120, AssertSameOutputs(last, upgradedLast, seed: 4));
    }

    [Fact]
    public void LogSoftmax_OnAGemmOutputWithoutValueInfo_OnlySetsTheAttribute_BecauseTheRankIsInferred()
    {
        var weight = TensorData.FromFloats("w", [5, 8], [.. Enumerable.Range(0, 40).Select(i => (i % 7 - 3) * 0.25f)]);
        var bias = TensorData.FromFloats("b", [5], [0.5f, -0.25f, 0, 1, -1]);
        using var model = Build(10, [Node("Gemm", ["x", "w", "b"], ["logits"], GraphNode.IntAttribute("transB", 1)), Node("LogSoftmax", ["logits"], ["y"])],
            [("x", [3, 8])], ["y"], [weight, bias], irVersion: 5);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal(["Gemm", "LogSoftmax"], upgraded.Proto.Graph.Node.Select(n => n.OpType));
        Assert.Equal(1, upgraded.Proto.Graph.Node[1].Attribute.Single(a => a.Name == "axis").I);
        Assert.Equal(3 * 5, AssertSameOutputs(model, upgraded, seed: 9));
    }

    [Theory]
    [InlineData("Softmax", 1)]
    [InlineData("Hardmax", -1)]
    public void SoftmaxFamily_WhoseTrailingDimsAreOne_OrOnTheLastAxis_IsNotRewritten(string opType, long axis)
    {
        // SqueezeNet's Softmax over [1,1000,1,1] at axis 1: coercing to 2-D changes nothing. Axis -1 needs no rank at all.
        using var model = Build(7, [Node(opType, ["x"], ["y"], GraphNode.IntAttribute("axis", axis))], [("x", axis == 1 ? [2, 6, 1, 1] : null)], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        var node = Assert.Single(upgraded.Proto.Graph.Node);
        Assert.Equal(axis, node.Attribute.Single(a => a.Name == "axis").I);
        if (axis == 1)
            Assert.Equal(2 * 6, AssertSameOutputs(model, upgraded, seed: 10));
    }

    [Fact]
    public void Clip6_MinMaxAttributes_BecomeScalarInputs()
    {
        using var model = Build(6, [Node("Clip", ["x"], ["y"], GraphNode.FloatAttribute("min", -0.25f), GraphNode.FloatAttribute("max", 0.5f))],
            [("x", [4, 8])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        var clip = Assert.Single(upgraded.Proto.Graph.Node);
        Assert.Empty(clip.Attribute);
        Assert.Equal(3, clip.Input.Count);
        var min = upgraded.Proto.Graph.Initializer.Single(t => t.Name == clip.Input[1]);
        Assert.Empty(min.Dims);
        Assert.Equal([-0.25f], TensorData.ToFloats(min));
        Assert.Equal([0.5f], TensorData.ToFloats(upgraded.Proto.Graph.Initializer.Single(t => t.Name == clip.Input[2])));
        Assert.Equal(32, AssertSameOutputs(model, upgraded, seed: 5));
    }

    [Fact]
    public void Clip6_OnlyMax_LeavesMinOmitted()
    {
        using var model = Build(7, [Node("Clip", ["x"], ["y"], GraphNode.FloatAttribute("max", 0.1f))], [("x", [16])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);
        Assert.Equal(["x", "", upgraded.Proto.Graph.Initializer.Single().Name], upgraded.Proto.Graph.Node.Single().Input);
        Assert.Equal(16, AssertSameOutputs(model, upgraded, seed: 6));
    }

    [Theory]
    [InlineData(13)]
    [InlineData(21)]
    public void SqueezeUnsqueezeReduce_AxesAttributes_BecomeInt64Inputs(int target)
    {
        using var model = Build(11,
        [
            Node("Squeeze", ["x"], ["s"], GraphNode.IntsAttribute("axes", [1])),
            Node("Unsqueeze", ["s"], ["u"], GraphNode.IntsAttribute("axes", [0, -1])),
            Node("ReduceSum", ["u"], ["r"], GraphNode.IntsAttribute("axes", [2]), GraphNode.IntAttribute("keepdims", 0)),
            Node("ReduceMean", ["u"], ["m"], GraphNode.IntsAttribute("axes", [1])),
        ], [("x", [2, 1, 3])], ["u", "r", "m"]);
        using var upgraded = OpsetUpgrader.Upgrade(model, target);

        foreach (var node in upgraded.Proto.Graph.Node.Where(n => n.OpType != "ReduceMean" || target >= 18))
        {
            Assert.DoesNotContain(node.Attribute, a => a.Name == "axes");
            var axes = upgraded.Proto.Graph.Initializer.Single(t => t.Name == node.Input[1]);
            Assert.Equal((int)TensorProto.Types.DataType.Int64, axes.DataType);
        }
        Assert.Equal(target >= 18, upgraded.Proto.Graph.Node.Single(n => n.OpType == "ReduceMean").Input.Count == 2);
        Assert.Equal([0L, -1L], TensorData.ToInt64s(upgraded.Proto.Graph.Initializer.Single(t => t.Name == upgraded.Proto.Graph.Node[1].Input[1])));
        Assert.Equal(6 + 2 + 3, AssertSameOutputs(model, upgraded, seed: 7));
    }

    [Theory]
    [InlineData("nearest", 13)]
    [InlineData("linear", 13)]
    [InlineData("nearest", 21)]
    public void Upsample7_ScalesAttribute_BecomesResizeWithLegacySemantics(string mode, int target)
    {
        using var model = Build(7, [Node("Upsample", ["x"], ["y"], GraphNode.StringAttribute("mode", mode), Floats("scales", 1, 1, 2, 3))],
            [("x", [1, 2, 3, 4])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model, target);

        var resize = Assert.Single(upgraded.Proto.Graph.Node);
        Assert.Equal("Resize", resize.OpType);
        Assert.Equal("", resize.Input[1]);
        Assert.Equal([1f, 1f, 2f, 3f], TensorData.ToFloats(upgraded.Proto.Graph.Initializer.Single(t => t.Name == resize.Input[2])));
        Assert.Equal("asymmetric", new GraphNodeView(resize).String("coordinate_transformation_mode"));
        Assert.Equal(2 * 3 * 2 * 4 * 3, AssertSameOutputs(model, upgraded, seed: 8));
    }

    [Fact]
    public void Upsample9_ConstantScalesInput_InIr3Model_DropsInitializerFromGraphInputs()
    {
        var scales = TensorData.FromFloats("scales", [4], [1f, 1f, 2f, 2f]);
        using var model = Build(9, [Node("Upsample", ["x", "scales"], ["y"])], [("x", [1, 1, 3, 3]), ("scales", [4])], ["y"], [scales]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal(["x"], upgraded.Proto.Graph.Input.Select(i => i.Name));
        Assert.True(upgraded.Proto.IrVersion >= 7);
        Assert.Equal(["x", "", "scales"], upgraded.Proto.Graph.Node.Single().Input);
        Assert.Equal("floor", new GraphNodeView(upgraded.Proto.Graph.Node.Single()).String("nearest_mode"));
        Assert.Equal(36, AssertSameOutputs(model, upgraded, seed: 9));
    }

    [Fact]
    public void Resize10_BecomesResizeWithRoiAndAsymmetricCoordinates()
    {
        var scales = TensorData.FromFloats("scales", [4], [1f, 1f, 2f, 1.5f]);
        using var model = Build(10, [Node("Resize", ["x", "scales"], ["y"], GraphNode.StringAttribute("mode", "nearest"))],
            [("x", [1, 2, 3, 4])], ["y"], [scales], irVersion: 5);
        using var upgraded = OpsetUpgrader.Upgrade(model);
        Assert.Equal(["x", "", "scales"], upgraded.Proto.Graph.Node.Single().Input);
        Assert.Equal(2 * 6 * 6, AssertSameOutputs(model, upgraded, seed: 10));
    }

    [Fact]
    public void Slice9_Attributes_BecomeInputs()
    {
        using var model = Build(9, [Node("Slice", ["x"], ["y"], GraphNode.IntsAttribute("starts", [1, 0]), GraphNode.IntsAttribute("ends", [3, -1]),
            GraphNode.IntsAttribute("axes", [0, 2]))], [("x", [4, 3, 5])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        var slice = Assert.Single(upgraded.Proto.Graph.Node);
        Assert.Empty(slice.Attribute);
        Assert.Equal(4, slice.Input.Count);
        Assert.Equal([3L, -1L], TensorData.ToInt64s(upgraded.Proto.Graph.Initializer.Single(t => t.Name == slice.Input[2])));
        Assert.Equal(2 * 3 * 4, AssertSameOutputs(model, upgraded, seed: 11));
    }

    [Theory]
    [InlineData("constant", 1.5f)]
    [InlineData("constant", 0f)]
    [InlineData("reflect", 0f)]
    [InlineData("edge", 0f)]
    public void Pad2_Attributes_BecomeInputs(string mode, float value)
    {
        using var model = Build(7, [Node("Pad", ["x"], ["y"], GraphNode.StringAttribute("mode", mode), GraphNode.IntsAttribute("pads", [0, 1, 2, 0, 2, 1]),
            GraphNode.FloatAttribute("value", value))], [("x", [2, 3, 4])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        var pad = Assert.Single(upgraded.Proto.Graph.Node);
        Assert.Equal(["mode"], pad.Attribute.Select(a => a.Name));
        Assert.Equal(value != 0 ? 3 : 2, pad.Input.Count);
        Assert.Equal(2 * 6 * 7, AssertSameOutputs(model, upgraded, seed: 12));
    }

    [Theory]
    [InlineData(13)]
    [InlineData(21)]
    public void Split2_SplitAttribute_BecomesInput_AndEqualSplitGetsNumOutputsFrom18(int target)
    {
        using var model = Build(8,
        [
            Node("Split", ["x"], ["a", "b"], GraphNode.IntAttribute("axis", 1), GraphNode.IntsAttribute("split", [1, 3])),
            Node("Split", ["x"], ["c", "d"], GraphNode.IntAttribute("axis", 1)),
        ], [("x", [2, 4])], ["a", "b", "c", "d"]);
        using var upgraded = OpsetUpgrader.Upgrade(model, target);

        var sized = upgraded.Proto.Graph.Node[0];
        Assert.Equal([1L, 3L], TensorData.ToInt64s(upgraded.Proto.Graph.Initializer.Single(t => t.Name == sized.Input[1])));
        Assert.Equal(target >= 18, upgraded.Proto.Graph.Node[1].Attribute.Any(a => a.Name == "num_outputs" && a.I == 2));
        Assert.Equal(8 + 8, AssertSameOutputs(model, upgraded, seed: 13));
    }

    [Fact]
    public void TopK1_KAttribute_BecomesInput()
    {
        using var model = Build(9, [Node("TopK", ["x"], ["values", "indices"], GraphNode.IntAttribute("k", 3))], [("x", [2, 7])], ["values", "indices"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        var topk = Assert.Single(upgraded.Proto.Graph.Node);
        var k = upgraded.Proto.Graph.Initializer.Single(t => t.Name == topk.Input[1]);
        Assert.Equal([1L], k.Dims);
        Assert.Equal([3L], TensorData.ToInt64s(k));
        Assert.Equal(12, AssertSameOutputs(model, upgraded, seed: 14));
    }

    [Fact]
    public void Dropout7_RatioAttribute_BecomesInput_AndUnusedMaskIsDropped()
    {
        using var model = Build(7, [Node("Dropout", ["x"], ["y", "mask"], GraphNode.FloatAttribute("ratio", 0.3f))], [("x", [5])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);
        var dropout = Assert.Single(upgraded.Proto.Graph.Node);
        Assert.Equal(["y"], dropout.Output);
        Assert.Equal([0.3f], TensorData.ToFloats(upgraded.Proto.Graph.Initializer.Single(t => t.Name == dropout.Input[1])));
        Assert.Equal(5, AssertSameOutputs(model, upgraded, seed: 15));
    }

    [Fact]
    public void Subgraphs_AreUpgradedToo()
    {
        var then = new GraphProto { Name = "then" };
        then.Node.Add(Node("Unsqueeze", ["x"], ["t"], GraphNode.IntsAttribute("axes", [0])));
        then.Output.Add(new ValueInfoProto { Name = "t" });
        var otherwise = new GraphProto { Name = "else" };
        otherwise.Node.Add(Node("Unsqueeze", ["x"], ["e"], GraphNode.IntsAttribute("axes", [1])));
        otherwise.Output.Add(new ValueInfoProto { Name = "e" });
        var branch = Node("If", ["cond"], ["y"],
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise });
        var greater = Node("ReduceSum", ["x"], ["sum"], GraphNode.IntAttribute("keepdims", 0));
        var cond = Node("Greater", ["sum", "zero"], ["cond"]);
        using var model = Build(11, [greater, cond, branch], [("x", [3])], ["y"], [TensorData.FromFloats("zero", [], [0f])], irVersion: 6);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        var thenNode = upgraded.Proto.Graph.Node.Single(n => n.OpType == "If").Attribute.Single(a => a.Name == "then_branch").G.Node.Single();
        Assert.Equal(2, thenNode.Input.Count);
        foreach (int seed in new[] { 16, 17, 18, 19 })
            Assert.Equal(3, AssertSameOutputs(model, upgraded, seed));
    }

    [Fact]
    public void Add6_BroadcastWithAxis_AlignsBOnTheAxis()
    {
        // ORT cannot run Add-6, so the upgraded model is held to the legacy definition computed here: y[i,j,k] = a[i,j,k] + b[j].
        using var model = Build(6, [Node("Add", ["a", "b"], ["y"], GraphNode.IntAttribute("broadcast", 1), GraphNode.IntAttribute("axis", 1))],
            [("a", [2, 3, 4]), ("b", [3])], ["y"]);
        using var upgraded = OpsetUpgrader.Upgrade(model);

        Assert.Equal(["Unsqueeze", "Add"], upgraded.Proto.Graph.Node.Select(n => n.OpType));
        var feeds = SampleFeeds.For(model, seed: 20);
        using var runner = new Ptq.Runtime.OrtRunner(upgraded);
        float[] y = runner.Run(feeds)["y"].ToFloats(), a = feeds["a"].ToFloats(), b = feeds["b"].ToFloats();
        for (int i = 0; i < y.Length; i++)
            Assert.Equal(a[i] + b[i / 4 % 3], y[i]);
    }

    [Fact]
    public void UnsupportedOp_ThrowsNamingTheNodeOpAndVersions()
    {
        // Caffe2's experimental FC (removed at opset 10) has no adapter.
        var fc = Node("FC", ["x", "w", "b"], ["y"]);
        fc.Name = "classifier_fc";
        using var model = Build(7, [Node("Relu", ["x0"], ["x"]), fc], [("x0", [1, 3]), ("w", [4, 3]), ("b", [4])], ["y"]);

        var blockers = OpsetUpgrader.CheckSupported(model);
        var blocker = Assert.Single(blockers);
        Assert.Equal(("FC", "classifier_fc"), (blocker.OpType, blocker.NodeName));
        Assert.Equal("Ptq has no opset adapter for FC", blocker.Reason);

        var error = Assert.Throws<OpsetUpgradeException>(() => OpsetUpgrader.Upgrade(model));
        Assert.IsAssignableFrom<PtqException>(error);
        Assert.Contains("FC", error.Message);
        Assert.Contains("'classifier_fc'", error.Message);
        Assert.Contains("from opset 7 to 13", error.Message);
        Assert.Equal(7, model.DefaultOpset); // nothing was touched
    }

    [Fact]
    public void Resize10NearestWithDynamicScales_IsRefusedWithTheReason()
    {
        using var model = Build(10, [Node("Resize", ["x", "scales"], ["y"])], [("x", [1, 1, 2, 2]), ("scales", [4])], ["y"], irVersion: 5);
        var error = Assert.Throws<OpsetUpgradeException>(() => OpsetUpgrader.Upgrade(model));
        Assert.Contains("Resize", error.Message);
        Assert.Contains("not constant", error.Message);
    }

    [Fact]
    public void OpsOlderThanTheirConvertibleVersion_AreRefused()
    {
        using var model = Build(5, [Node("Relu", ["x"], ["y"])], [("x", [2])], ["y"]);
        var blocker = Assert.Single(OpsetUpgrader.CheckSupported(model));
        Assert.Contains("version 6", blocker.Reason);
    }

    [Fact]
    public void CustomDomains_AreLeftAlone_AndTargetOutsideRangeIsRejected()
    {
        var custom = Node("MyOp", ["x"], ["y"]);
        custom.Domain = "com.example";
        using var model = Build(8, [custom], [("x", [2])], ["y"]);
        model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.example", Version = 1 });
        using var upgraded = OpsetUpgrader.Upgrade(model);
        Assert.Equal(13, upgraded.DefaultOpset);
        Assert.Contains(upgraded.Proto.OpsetImport, o => o.Domain == "com.example" && o.Version == 1);
        Assert.Equal(custom, upgraded.Proto.Graph.Node.Single());
        Assert.Throws<ArgumentOutOfRangeException>(() => OpsetUpgrader.Upgrade(model, 12));
    }

    private readonly struct GraphNodeView(NodeProto node)
    {
        public string String(string name) => node.Attribute.Single(a => a.Name == name).S.ToStringUtf8();
    }
}
