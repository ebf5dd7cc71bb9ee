using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;

namespace Ptq.Tests.Reports;

/// <summary>
/// <c>ptq debug</c> on a model whose quantized form keeps one BatchNorm (after a ConvTranspose, not foldable) but had the
/// other folded into its Conv (as PP-OCRv4 det): the fp32 side must be folded as the quantizer folded it, or the folded
/// Conv's 8-bit weights are compared with unfolded ones and show a false low SQNR.
/// </summary>
public sealed class PartialBatchNormDebugTests
{
    [Theory]
    [InlineData(true, 1)]   // the quantizer folded conv_bn and kept up_bn
    [InlineData(false, 2)]  // --fold-bn false: both kept, so the fp32 side must not be folded either
    public void WeightsAreComparedWithWhatTheQuantizerQuantized(bool foldBatchNorm, int batchNormsLeft)
    {
        var model = new OnnxModel(TestModels.FoldableAndUnfoldableBatchNorms());
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings { FoldBatchNorm = foldBatchNorm },
            new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        Assert.Equal(batchNormsLeft, result.Model.Proto.Graph.Node.Count(n => n.OpType == "BatchNormalization"));

        var report = Debugger.Run(model, result.Model, samples.Take(2), new DebugOptions { IntraOpThreads = 1 });

        var conv = report.Tensors.Single(t => t.Role == TensorRole.Weight && t.NodeName == "conv");
        var up = report.Tensors.Single(t => t.Role == TensorRole.Weight && t.NodeName == "up");
        Assert.True(conv.SqnrDb > 35, $"conv weight SQNR {conv.SqnrDb:F1} dB");
        Assert.True(conv.Cosine > 0.9999, $"conv weight cosine {conv.Cosine}");
        Assert.True(up.SqnrDb > 35, $"ConvTranspose weight SQNR {up.SqnrDb:F1} dB");
    }
}
