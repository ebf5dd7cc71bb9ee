using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;

namespace Ptq.Tests.Tuning;

public class MixedActivationBitsTests
{
    private static (OnnxModel Model, List<IReadOnlyDictionary<string, TensorValue>> Samples) Setup()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var samples = Enumerable.Range(0, 16).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s)).ToList();
        return (model, samples);
    }

    /// <summary>Keeping the Relu output float makes "wide" and its reader "mix" a float island; "out" stays int8.</summary>
    [Fact]
    public void KeptActivationsStayFloatWithTheirProducerAndReaders()
    {
        var (model, samples) = Setup();
        var result = MixedActivationBits.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()),
            samples, targetCosine: 0.9999);
        Assert.True(result.TargetMet, $"cosine {result.Cosine}");
        Assert.Equal("wide", Assert.Single(result.Reverted).Node);
        var nodes = result.Result.Model.Proto.Graph.Node;
        Assert.DoesNotContain(nodes, n => n.OpType == "QuantizeLinear" && n.Input[0] is "r" or "X");
        Assert.Contains(nodes, n => n.OpType == "QuantizeLinear" && n.Input[0] == "m"); // what "out" reads stays 8-bit
        Assert.Equal(TensorProto.Types.DataType.Float, (TensorProto.Types.DataType)result.Result.Model.Proto.Graph.Initializer.Single(i => i.Name.StartsWith("mix.weight", StringComparison.Ordinal)).DataType);
    }

    [Fact]
    public void ASearchCappedBelowWhatTheTargetNeedsReportsTheMiss()
    {
        var (model, samples) = Setup();
        var result = MixedActivationBits.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()),
            samples, targetCosine: 1, maxPromoted: 1);
        Assert.False(result.TargetMet);
        Assert.Single(result.Reverted);
        Assert.True(result.Cosine is > 0.99 and < 1, $"cosine {result.Cosine}");
    }
}
