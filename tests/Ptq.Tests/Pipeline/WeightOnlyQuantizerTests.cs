using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;

namespace Ptq.Tests.Pipeline;

public class WeightOnlyQuantizerTests
{
    [Theory]
    [InlineData(8, "INT8", 13, 0.2)]
    [InlineData(4, "INT4", 21, 1.0)]
    public void MnistWeightsShrinkAndAccuracyHolds(int bits, string storage, long opset, double maxDrop)
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var result = WeightOnlyQuantizer.Quantize(model, new StaticQuantizationSettings
        {
            Weights = new QuantScheme(bits, QuantMode.Symmetric, NarrowRange: true),
            WeightMethod = WeightMethod.Mse,
        });
        Assert.Equal(opset, result.Model.DefaultOpset);
        Assert.Equal(0, result.Tensors.Count(t => t.Kind != "Weight"));
        var graph = result.Model.Proto.Graph;
        var quantizedWeights = graph.Initializer.Where(t => t.Name.EndsWith("_quantized", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, quantizedWeights.Count); // two Conv and the MatMul
        Assert.All(quantizedWeights, t => Assert.Equal(storage, OnnxDataType.Name(t.DataType)));
        Assert.DoesNotContain(graph.Node, n => n.OpType == "QuantizeLinear"); // activations stay float

        var samples = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], new DataSourceOptions { Limit = 1000 });
        var report = Evaluator.Evaluate(result.Model, model, samples, LabelSources.Parse(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null),
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 1 });
        Assert.True(report.Accuracy!.Top1Percent >= report.ReferenceAccuracy!.Top1Percent - maxDrop,
            $"{bits}-bit weights: {report.Accuracy.Top1Percent} % vs fp32 {report.ReferenceAccuracy.Top1Percent} %");
    }

    [Fact]
    public void SmallWeightsStayFloat()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        // Convolution28 has 8 output channels and 200 weights; the others are larger.
        var result = WeightOnlyQuantizer.Quantize(model, new StaticQuantizationSettings(), minWeightChannels: 9);
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "Convolution28" && f.Reason.Contains("8 channels", StringComparison.Ordinal));
        Assert.Equal(2, result.Tensors.Count);
    }
}
