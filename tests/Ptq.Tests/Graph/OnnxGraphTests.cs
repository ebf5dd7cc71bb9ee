using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Tests.Graph;

public class OnnxGraphTests
{
    private static OnnxModel Load(Ptq.Onnx.Proto.ModelProto proto) => new(proto);

    [Fact]
    public void ConstantNodesBecomeInitializers()
    {
        var graph = OnnxGraph.FromModel(Load(TestModels.ConvReluAdd()));
        Assert.Equal(["conv", "relu", "add"], graph.Nodes.Select(n => n.Name));
        Assert.Equal(["bias"], graph.ConstantInitializers);
        Assert.Equal([1L, 4, 1, 1], graph.Initializer("bias")!.Dims);
        var kept = OnnxGraph.FromModel(Load(TestModels.ConvReluAdd()), promoteConstants: false);
        Assert.Equal(4, kept.Nodes.Count);
        Assert.Empty(kept.ConstantInitializers);
    }

    [Fact]
    public void ProducersAndConsumersFollowEdits()
    {
        var graph = OnnxGraph.FromModel(Load(TestModels.ConvReluAdd()));
        Assert.Equal("conv", graph.Producer("c")!.Name);
        Assert.Equal("relu", Assert.Single(graph.Consumers("c")).Node.Name);

        var identity = graph.InsertOnEdge("c", "Identity");
        Assert.Equal("c_Identity", identity.Outputs[0]);
        Assert.Equal("Identity", Assert.Single(graph.Consumers("c")).Node.OpType);
        Assert.Equal(["c_Identity"], graph.Nodes.Single(n => n.Name == "relu").Inputs);
        Assert.Equal(["conv", identity.Name, "relu", "add"], graph.Nodes.Select(n => n.Name));

        // A second insert on the same edge gets a fresh, unique output name.
        var second = graph.InsertOnEdge("c", "Identity");
        Assert.Equal("c_Identity_1", second.Outputs[0]);
        Assert.True(graph.IsTopologicallySorted);
    }

    [Fact]
    public void EditedGraphStillComputesTheSameInOrt()
    {
        using var original = Load(TestModels.ConvReluAdd());
        var graph = OnnxGraph.FromModel(original);
        graph.InsertOnEdge("c", "Identity");
        var edited = original.Proto.Clone();
        edited.Graph = graph.ToProto();
        using var editedModel = Load(edited);

        var feeds = SampleFeeds.For(original, seed: 3);
        using var a = new OrtRunner(original);
        using var b = new OrtRunner(editedModel);
        Assert.Equal(a.Run(feeds)["Y"].Raw, b.Run(feeds)["Y"].Raw);
    }

    [Fact]
    public void UnsortedGraphIsDetectedAndSorted()
    {
        var proto = TestModels.ConvReluAdd();
        var nodes = proto.Graph.Node.Reverse().ToList();
        proto.Graph.Node.Clear();
        proto.Graph.Node.AddRange(nodes);
        var graph = OnnxGraph.FromModel(Load(proto));
        Assert.False(graph.IsTopologicallySorted);
        graph.SortTopologically();
        Assert.True(graph.IsTopologicallySorted);
        Assert.Equal(["conv", "relu", "add"], graph.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void CycleIsRefusedNamingItsNodes()
    {
        var proto = TestModels.ConvReluAdd();
        proto.Graph.Node.Single(n => n.Name == "conv").Input[0] = "r"; // conv reads relu's output, relu reads conv's
        var ex = Assert.Throws<GraphException>(() => OnnxGraph.FromModel(Load(proto)));
        Assert.Contains("cycle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'conv'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'relu'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DanglingInputIsRefusedNamingNodeAndValue()
    {
        var proto = TestModels.ConvReluAdd();
        proto.Graph.Node.Single(n => n.Name == "relu").Input[0] = "nowhere";
        var ex = Assert.Throws<GraphException>(() => OnnxGraph.FromModel(Load(proto)));
        Assert.Contains("Relu 'relu'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'nowhere'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToProtoWithoutEditsReproducesTheGraph()
    {
        var proto = TestModels.ConvReluAdd();
        var graph = OnnxGraph.FromModel(Load(proto), promoteConstants: false);
        Assert.Equal(proto.Graph, graph.ToProto());
    }

    [Fact]
    public void RemoveNodeAndUnusedInitializers()
    {
        var graph = OnnxGraph.FromModel(Load(TestModels.ConvReluAdd()));
        var add = graph.Nodes.Single(n => n.OpType == "Add");
        graph.ReplaceAllUses("Y", "r");
        graph.RemoveNode(add);
        Assert.Equal(1, graph.RemoveUnusedInitializers());
        Assert.Null(graph.Initializer("bias"));
        Assert.Equal("r", graph.Outputs[0].Name);
    }
}
