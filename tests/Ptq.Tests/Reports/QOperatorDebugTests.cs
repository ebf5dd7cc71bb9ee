using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;

namespace Ptq.Tests.Reports;

/// <summary><c>ptq debug</c> compares Q/DQ tensors; a QOperator model is refused with the way to a model it can read.</summary>
public sealed class QOperatorDebugTests
{
    [Fact]
    public void AQOperatorModelIsRefusedNamingTheFormatThatWorks()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();
        var qdq = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings())).Model;
        var (qop, _) = QOperatorConverter.Convert(qdq);
        Assert.Contains(qop.Proto.Graph.Node, n => n.OpType == "QLinearConv");

        var error = Assert.ThrowsAny<PtqException>(() => Debugger.Run(model, qop, samples.Take(2), new DebugOptions { IntraOpThreads = 1 }));

        Assert.Contains("QLinearConv", error.Message, StringComparison.Ordinal);
        Assert.Contains("format qdq", error.Message, StringComparison.Ordinal); // the key; the CLI renders it as --format
        // The QDQ model of the same run still debugs, with every weight compared.
        var report = Debugger.Run(model, qdq, samples.Take(2), new DebugOptions { IntraOpThreads = 1 });
        Assert.All(report.Tensors.Where(t => t.Role == TensorRole.Weight), w => Assert.True(w.SqnrDb > 20, $"{w.NodeName} weight SQNR {w.SqnrDb:F1} dB"));
    }
}
