using Ptq.Data;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Recipes;
using Ptq.Runtime;
using Ptq.Tests.Integration;
using Ptq.Tests.Pipeline;
using Xunit.Abstractions;

namespace Ptq.Tests.Passes;

/// <summary>
/// <c>--format qoperator</c> (issue #13): the QOperator model computes what the QDQ model does. Every integer tensor
/// both models hold (the codes each QuantizeLinear wrote in QDQ form, written by the integer operator in QOperator
/// form) is compared on samples the calibration did not see, and must agree within one quantization step.
/// </summary>
public class QOperatorConverterTests(ITestOutputHelper output)
{
    private const string FloatConvs = "Conv run in float by ORT", FloatGemms = "Gemm run in float by ORT";

    private static readonly DataSourceOptions Cifar = new() { Recursive = true, Preprocessing = new ImagePreprocessing(color: ColorMode.Rgb, mean: [127.5f], std: [127.5f]) };

    /// <summary>MNIST: 2 QLinearConv and an int8 MaxPool; 32 held-out digits.</summary>
    [Fact]
    public void Mnist_QOperatorAgreesWithQdqWithinOneStep()
    {
        var ops = CheckAgainstQdq("mnist-cnn.onnx", Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"), DataSourceOptions.Default, new QuantizationRecipe());
        Assert.Equal(2, ops.GetValueOrDefault("QLinearConv"));
        Assert.Equal(0, ops[FloatConvs]);
        Assert.Equal(1, ops.GetValueOrDefault("MaxPool"));
    }

    /// <summary>CIFAR-10 CNN: 4 QLinearConv, int8 MaxPool and Reshape, and the classifier as a QGemm with float output.</summary>
    [Fact]
    public void Cifar_QOperatorAgreesWithQdqWithinOneStep()
    {
        var ops = CheckAgainstQdq("cifar10-cnn.onnx", Assets.Get("cifar10", "test"), Cifar, new QuantizationRecipe());
        Assert.Equal(4, ops.GetValueOrDefault("QLinearConv"));
        Assert.Equal(1, ops.GetValueOrDefault("QGemm"));
        Assert.Equal(0, ops[FloatGemms]);
        Assert.Equal(0, ops[FloatConvs]);
    }

    /// <summary>ViT: the 16 weight MatMuls, whose outputs meet a float bias Add, as MatMulIntegerToFloat; int8 Reshape/Transpose.</summary>
    [Fact]
    public void Vit_QOperatorAgreesWithQdqWithinOneStep()
    {
        var options = new DataSourceOptions
        {
            Recursive = true,
            Preprocessing = new ImagePreprocessing(color: ColorMode.Rgb, mean: [125.307f, 122.961f, 113.858f], std: [62.985f, 62.093f, 66.708f]),
        };
        var ops = CheckAgainstQdq("vit-cifar.onnx", Assets.Get("cifar10", "test"), options, new QuantizationRecipe());
        Assert.Equal(16, ops.GetValueOrDefault("MatMulIntegerToFloat"));
    }

    /// <summary>SqueezeNet: 26 QLinearConv, 8 QLinearConcat, 3 int8 MaxPool, per-tensor weights too.</summary>
    [Theory]
    [InlineData(Granularity.PerChannel)]
    [InlineData(Granularity.PerTensor)]
    public void SqueezeNet_QOperatorAgreesWithQdqWithinOneStep(Granularity granularity)
    {
        var ops = CheckAgainstQdq("squeezenet1.1.onnx", Assets.Get("imagenet", "images"), new DataSourceOptions { Preprocessing = ImageNetSubset.Preprocessing },
            new QuantizationRecipe { Granularity = granularity }, samples: 8);
        Assert.Equal(26, ops.GetValueOrDefault("QLinearConv"));
        Assert.Equal(0, ops[FloatConvs]);
        Assert.Equal(8, ops.GetValueOrDefault("QLinearConcat"));
        Assert.Equal(3, ops.GetValueOrDefault("MaxPool"));
    }

    /// <summary>
    /// The recipe path: the QOperator model is what gets verified and measured (its own output cosine against float,
    /// not the QDQ model's), the summary lists the operators, and ORT runs it with QLinearConv and no float Conv.
    /// </summary>
    [Fact]
    public void RecipeWritesVerifiedQOperatorModel()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var recipe = new QuantizationRecipe { Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 64 };
        var qdq = Quantizer.Quantize(model, recipe);
        var qop = Quantizer.Quantize(model, recipe with { Format = OutputFormat.QOperator });
        output.WriteLine($"cosine qdq {qdq.CheckCosine:F6} qoperator {qop.CheckCosine:F6}; {qop.FormatSummary}");
        Assert.Null(qdq.FormatSummary);
        Assert.Null(qop.Shortfall);
        Assert.StartsWith("2 QLinearConv, 1 MaxPool; kept in QDQ form", qop.FormatSummary);
        Assert.True(Math.Abs(qop.CheckCosine!.Value - qdq.CheckCosine!.Value) < 1e-4, $"{qop.CheckCosine} vs {qdq.CheckCosine}");
        Assert.True(qop.CheckCosine >= 0.995);
        Assert.Contains(qop.Model.Proto.Graph.Node, n => n.OpType == "QLinearConv");
        Assert.DoesNotContain(qop.Model.Proto.Graph.Node, n => n.OpType == "Conv");
    }

    [Theory]
    [InlineData(QuantizationMode.WeightOnly)]
    [InlineData(QuantizationMode.Dynamic)]
    [InlineData(QuantizationMode.Fp16)]
    public void QOperatorNeedsFullMode(QuantizationMode mode)
    {
        var ex = Assert.Throws<RecipeException>(() => new QuantizationRecipe { Mode = mode, Format = OutputFormat.QOperator }.Validate());
        Assert.Contains("format qoperator", ex.Message);
    }

    /// <summary>Quantizes with <paramref name="recipe"/> (QDQ), converts, and compares on held-out samples; returns the operators written, by type, and the Conv and Gemm ORT runs in float.</summary>
    private Dictionary<string, int> CheckAgainstQdq(string modelFile, string data, DataSourceOptions options, QuantizationRecipe recipe, int samples = 16)
    {
        using var model = ModelIO.Load(Assets.Model(modelFile));
        var source = CalibrationSources.Create(ModelInputs.Of(model), [data], options);
        var calibration = source.Take(samples).ToList();
        var heldOut = source.Skip(samples).Take(16).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var qdq = Quantizer.Quantize(model, recipe with { AccuracyGuard = QuantizationRecipe.AccuracyGuardOff }, new SampleListSource(ModelInputs.Of(model), calibration)).Model;
        var (qop, conversion) = QOperatorConverter.Convert(qdq);
        Assert.Empty(conversion.KeptQdq);

        // The codes of every activation: QuantizeLinear outputs in QDQ form, the same names written by the integer operators.
        var produced = qop.Proto.Graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        var codes = qdq.Proto.Graph.Node.Where(n => n.OpType == "QuantizeLinear").Select(n => n.Output[0]).Where(produced.Contains).ToList();
        var outputs = qdq.Proto.Graph.Output.Select(o => o.Name).ToList();
        using var qdqRunner = OrtRunner.WithOutputs(qdq, codes);
        using var qopRunner = OrtRunner.WithOutputs(qop, codes);
        int maxStep = 0, compared = 0;
        double minCosine = 1;
        foreach (var feeds in heldOut)
        {
            var expected = qdqRunner.Run(feeds);
            var actual = qopRunner.Run(feeds);
            foreach (string name in codes)
            {
                float[] a = expected[name].ToFloats(), b = actual[name].ToFloats();
                Assert.Equal(a.Length, b.Length);
                for (int i = 0; i < a.Length; i++)
                    maxStep = Math.Max(maxStep, (int)Math.Abs(a[i] - b[i]));
                compared += a.Length;
            }
            foreach (string name in outputs)
                minCosine = Math.Min(minCosine, Ptq.Evaluation.CosineSimilarity.Compute(expected[name].ToFloats(), actual[name].ToFloats()));
        }
        var ops = OrtGraphInspection.OptimizedOpCounts(qop);
        output.WriteLine($"{modelFile}: {QOperatorConversion.Describe(conversion.Operators)}; {codes.Count} integer tensors, {compared:N0} codes, " +
                         $"largest difference {maxStep} step(s); output cosine QOperator vs QDQ min {minCosine:F6}; ORT runs {QOperatorConversion.Describe(ops)}");
        Assert.True(codes.Count > 0);
        Assert.True(maxStep <= 1, $"codes differ by {maxStep} steps");
        Assert.True(minCosine >= 0.9999, $"output cosine {minCosine}");
        return new(conversion.Operators) { [FloatConvs] = ops.GetValueOrDefault("Conv"), [FloatGemms] = ops.GetValueOrDefault("Gemm") };
    }
}
