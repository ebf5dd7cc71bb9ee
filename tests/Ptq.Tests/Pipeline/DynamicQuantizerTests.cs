using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;

namespace Ptq.Tests.Pipeline;

public class DynamicQuantizerTests
{
    [Fact]
    public void Cifar10GemmRunsAsDynamicInt8AndAgreesWithFloat()
    {
        using var model = ModelIO.Load(Assets.Model("cifar10-cnn.onnx"));
        var result = DynamicQuantizer.Quantize(model, new StaticQuantizationSettings());

        var weight = Assert.Single(result.Tensors);
        Assert.Equal("Weight", weight.Kind);
        Assert.Equal(8, weight.Parameters.Scheme.Bits);
        var ops = OrtGraphInspection.OptimizedOpCounts(result.Model);
        Assert.True(ops.ContainsKey("DynamicQuantizeMatMul") || ops.ContainsKey("MatMulInteger"), string.Join(", ", ops.Keys));

        var folder = Assets.Get("cifar10", "test");
        var samples = CalibrationSources.Create(ModelInputs.Of(model), [folder],
            new DataSourceOptions { Preprocessing = new ImagePreprocessing(mean: [127.5f], std: [127.5f]), Recursive = true }).Where((_, i) => i % 6 == 0);
        var report = Evaluator.Evaluate(result.Model, model, samples, null, new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 1 });
        Assert.Equal(500, report.Samples);
        Assert.True(report.Comparison!.AgreementPercent >= 99.0, $"agreement {report.Comparison.AgreementPercent}");
        Assert.True(report.Comparison.MeanCosine >= 0.9999, $"cosine {report.Comparison.MeanCosine}");
    }

    [Theory]
    [InlineData(12, Ptq.Quantization.QuantMode.Symmetric)]
    [InlineData(8, Ptq.Quantization.QuantMode.AsymmetricSigned)]
    public void OnlyTwoToEightBitSymmetricWeightsAreAccepted(int bits, Ptq.Quantization.QuantMode mode) =>
        Assert.Contains("2–8-bit sym", Assert.ThrowsAny<PtqException>(() => DynamicQuantizer.Quantize(Ptq.Demo.DemoModel.Build(),
            new StaticQuantizationSettings { Weights = new Ptq.Quantization.QuantScheme(bits, mode) })).Message, StringComparison.Ordinal);
}
