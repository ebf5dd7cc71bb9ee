using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;

namespace Ptq.Tests.Reports;

/// <summary>
/// Bias correction gives a bias-less Conv ("out" in <see cref="TestModels.OutlierChannelConvs"/>) a bias; <c>ptq debug</c>
/// has no fp32 bias to compare it with and says so plainly, while the weights beside it are still compared.
/// </summary>
public sealed class AddedBiasDebugTests
{
    [Fact]
    public void ABiasAddedByCorrectionIsNamedAsSuchAndTheWeightsAreStillCompared()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        Assert.Contains(result.BiasCorrections, c => c.Node == "out");

        var report = Debugger.Run(model, result.Model, samples.Take(2), new DebugOptions { IntraOpThreads = 1 });

        Assert.Contains(report.Notes, n => n.Contains("bias correction gave 'out' a bias; the fp32 node has none to compare with", StringComparison.Ordinal));
        var weight = report.Tensors.Single(t => t.Role == TensorRole.Weight && t.NodeName == "out");
        Assert.True(weight.SqnrDb > 30, $"out weight SQNR {weight.SqnrDb:F1} dB");
    }
}
