using System.Numerics.Tensors;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

public class Fp16StorageConverterTests
{
    [Fact]
    public void SqueezeNetHalvesAndKeepsItsOutputs()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var result = Fp16StorageConverter.Convert(model, new StaticQuantizationSettings());

        long before = ModelIO.ToBytes(model).Length, after = ModelIO.ToBytes(result.Model).Length;
        Assert.InRange((double)after / before, 0.48, 0.55);
        Assert.Equal(26, result.Model.Proto.Graph.Initializer.Count(t => t.DataType == (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Float16));

        using var fp32 = new OrtRunner(model);
        using var fp16 = new OrtRunner(result.Model);
        var feeds = SampleFeeds.For(model, seed: 4);
        var a = fp32.Run(feeds)["softmaxout_1"].AsFloatSpan();
        var b = fp16.Run(feeds)["softmaxout_1"].AsFloatSpan();
        Assert.True(TensorPrimitives.CosineSimilarity(a, b) > 0.99999f);
    }
}
