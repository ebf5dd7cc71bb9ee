using Ptq.Data;
using Ptq.Onnx;
using Ptq.Recipes;
using Ptq.Runtime;
using Ptq.Tests.Integration;
using Xunit.Abstractions;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Recipes;

/// <summary>
/// ONNX Runtime's AddQDQPairToWeight (<c>weight-qdq-pair</c>) and DedicatedQDQPair (<c>dedicated-qdq-pair</c>) change
/// the graph's shape, not the arithmetic: the outputs equal the default model's on held-out samples.
/// </summary>
public class QdqShapeOptionsTests(ITestOutputHelper output)
{
    [Fact]
    public void WeightQdqPair_StoresFloatWeightsWithTheSameCodes()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var recipe = new QuantizationRecipe { Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 32, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff };
        var plain = Quantizer.Quantize(model, recipe).Model;
        var paired = Quantizer.Quantize(model, recipe with { WeightQdqPair = true }).Model;
        var graph = paired.Proto.Graph;
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            var dq = graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Output[0] == conv.Input[1]);
            var q = graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Output[0] == dq.Input[0]);
            Assert.Equal((int)DT.Float, graph.Initializer.Single(i => i.Name == q.Input[0]).DataType);
        }
        Assert.DoesNotContain(graph.Initializer, i => i.DataType == (int)DT.Int8 && i.Dims.Count == 4);
        double diff = MaxDifference(plain, paired, Feeds(model, Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"), DataSourceOptions.Default));
        output.WriteLine($"largest output difference to int8-stored weights: {diff}; {ModelIO.ToBytes(plain).Length:N0} vs {ModelIO.ToBytes(paired).Length:N0} bytes");
        Assert.True(diff <= 1e-4, $"difference {diff}");
    }

    [Fact]
    public void DedicatedQdqPair_GivesEachReaderItsOwnPair()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var options = new DataSourceOptions { Preprocessing = ImageNetSubset.Preprocessing };
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("imagenet", "images")], options);
        var recipe = new QuantizationRecipe { AccuracyGuard = QuantizationRecipe.AccuracyGuardOff };
        var calibration = new SampleListSource(ModelInputs.Of(model), source.Take(8).ToList());
        var shared = Quantizer.Quantize(model, recipe, calibration).Model;
        var dedicated = Quantizer.Quantize(model, recipe with { DedicatedQdqPair = true }, calibration).Model;
        int Pairs(OnnxModel m) => m.Proto.Graph.Node.Count(n => n.OpType == "QuantizeLinear");
        // Each fire module's squeeze output feeds its 1×1 and 3×3 expand Conv: 8 tensors with two readers.
        output.WriteLine($"QuantizeLinear nodes: shared {Pairs(shared)}, dedicated {Pairs(dedicated)}");
        Assert.Equal(Pairs(shared) + 8, Pairs(dedicated));
        Assert.All(dedicated.Proto.Graph.Node.Where(n => n.OpType == "DequantizeLinear"),
            dq => Assert.True(dedicated.Proto.Graph.Node.Count(n => n.Input.Contains(dq.Output[0])) <= 1, $"{dq.Name} has several readers"));
        double diff = MaxDifference(shared, dedicated, source.Skip(8).Take(4).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList());
        output.WriteLine($"largest output difference: {diff}");
        Assert.True(diff <= 1e-6, $"difference {diff}");
    }

    private static List<IReadOnlyDictionary<string, TensorValue>> Feeds(OnnxModel model, string data, DataSourceOptions options) =>
        [.. CalibrationSources.Create(ModelInputs.Of(model), [data], options).Skip(1000).Take(16).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds())];

    private static double MaxDifference(OnnxModel a, OnnxModel b, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> feeds)
    {
        using var ra = new OrtRunner(a);
        using var rb = new OrtRunner(b);
        double max = 0;
        foreach (var feed in feeds)
        {
            var ya = ra.Run(feed);
            var yb = rb.Run(feed);
            foreach (var (name, value) in ya)
            {
                float[] x = value.ToFloats(), y = yb[name].ToFloats();
                for (int i = 0; i < x.Length; i++)
                    max = Math.Max(max, Math.Abs(x[i] - y[i]));
            }
        }
        return max;
    }
}
