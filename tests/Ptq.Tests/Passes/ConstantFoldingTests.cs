using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Runtime;

namespace Ptq.Tests.Passes;

public class ConstantFoldingTests
{
    [Fact]
    public void ReshapeAndTransposeOfWeightsBecomeInitializersWithTheSameValues()
    {
        var random = new Random(5);
        var graph = new GraphProto { Name = "fold" };
        graph.Input.Add(TestModels.FloatInfo("X", 2, 6));
        graph.Output.Add(TestModels.FloatInfo("Y", 2, 4));
        graph.Initializer.Add(TestModels.RandomFloats("W", random, 4, 6));
        graph.Initializer.Add(TensorData.FromInt64s("shape", [2], [6, 4]));
        graph.Node.Add(TestModels.Node("Transpose", "t", ["W"], ["Wt"], Node.IntsAttribute("perm", [1, 0])));
        graph.Node.Add(TestModels.Node("Reshape", "r", ["Wt", "shape"], ["Wr"]));
        graph.Node.Add(TestModels.Node("MatMul", "mm", ["X", "Wr"], ["Y"]));
        using var model = new OnnxModel(TestModels.Model(graph));

        var ir = OnnxGraph.FromModel(model);
        Assert.Equal(2, ConstantFolding.Apply(ir));
        Assert.Equal(["MatMul"], ir.Nodes.Select(n => n.OpType));
        var folded = ir.Initializer("Wr")!;
        Assert.Equal([6L, 4], folded.Dims);
        var w = TensorData.ToFloats(graph.Initializer[0]);
        var f = TensorData.ToFloats(folded);
        Assert.Equal(w[1 * 6 + 2], f[2 * 4 + 1]); // Wr[2,1] = W[1,2]

        var proto = model.Proto.Clone();
        proto.Graph = ir.ToProto();
        using var foldedModel = new OnnxModel(proto);
        var feeds = SampleFeeds.For(model, seed: 2);
        using var a = new OrtRunner(model);
        using var b = new OrtRunner(foldedModel);
        Assert.Equal(a.Run(feeds)["Y"].Raw, b.Run(feeds)["Y"].Raw);
    }
}
