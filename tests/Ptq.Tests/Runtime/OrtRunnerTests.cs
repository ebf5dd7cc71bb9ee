using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Tests.Runtime;

public class OrtRunnerTests
{
    [Fact]
    public void IntermediateValuesCanBeExposedWithoutDeclaredTypes()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var names = graph.Nodes.SelectMany(n => n.Outputs).ToList();
        var feeds = SampleFeeds.For(model, seed: 11);
        using var plain = new OrtRunner(model);
        using var exposed = OrtRunner.WithOutputs(model, names);
        var all = exposed.Run(feeds);

        Assert.Equal(names.Count, all.Count);
        // The model's own output is unchanged by exposing intermediates.
        string output = plain.OutputNames[0];
        Assert.Equal(plain.Run(feeds)[output].Raw, all[output].Raw);
        // The first Conv output of SqueezeNet is [1,64,111,111].
        var firstConv = graph.Nodes.First(n => n.OpType == "Conv").Outputs[0];
        Assert.Equal([1L, 64, 111, 111], all[firstConv].Shape);
        Assert.All(all.Values, v => Assert.Equal((int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Float, v.DataType));
    }

    [Fact]
    public void MissingFeedIsNamed()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        using var runner = new OrtRunner(model);
        var ex = Assert.Throws<RuntimeException>(() => runner.Run(new Dictionary<string, TensorValue>()));
        Assert.Contains("'Input3'", ex.Message, StringComparison.Ordinal);
    }
}
