using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Quantization;
using Ptq.Recipes;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>
/// Issue #14: 4-bit weights reconstructed with GPTQ and AdaRound, end to end through <see cref="Quantizer"/> (what
/// <c>ptq quantize</c> runs), measured on data the calibration never saw. SqueezeNet calibrates on the first 100 shared
/// ImageNet images and is compared with fp32 on the other 400 (fp32 top-1 56.75 % there); the floors sit a little under
/// the figures measured on the shared 2-core machine (bench/README.md, "Low-bit weights").
/// </summary>
public class LowBitReconstructionTests(ITestOutputHelper output)
{
    private static readonly QuantizationRecipe W4A8 = QuantizationRecipe.Default with
    {
        WeightBits = 4, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff, Preprocessing = ImageNetSubset.Preprocessing,
    };

    /// <summary>Round-to-nearest 4-bit weights on the same split, for scale: agreement 57.5 %, cosine 0.742, top-1 45.5 %.</summary>
    private static readonly Lazy<ComparisonSummary> Nearest = new(() => SqueezeNetHeldOut(W4A8, out _).Comparison!);

    /// <summary>
    /// W4A8 with GPTQ: agreement 84.50 % (≥ 78), cosine 0.945 (≥ 0.93), top-1 55.00 % (at most 5 points under fp32),
    /// against round-to-nearest's 57.5 %, 0.742 and 45.5 %. One image is 0.25 points, and which 64 images reconstruct
    /// moves the agreement by a few points: with the target's own ridge (the default since session lowbits3; 77.75 %
    /// and 0.931 before) 64 spread over all 100 gave 80.00 % and 0.941, the first 64 81.75 % and 0.939, 64 of the 68 the
    /// check set leaves (what runs now, so the guard does not judge the weights on images they were fitted to) 84.50 %.
    /// </summary>
    [Fact]
    public void SqueezeNet_W4A8_Gptq()
    {
        var report = Report("gptq W4A8", W4A8 with { WeightMethod = WeightMethod.Gptq });
        AssertAtLeast(report, agreement: 78, cosine: 0.93, top1Drop: 5);
        Assert.True(report.Comparison!.AgreementPercent >= Nearest.Value.AgreementPercent + 15, $"round-to-nearest agreement {Nearest.Value.AgreementPercent} %");
    }

    /// <summary>
    /// W4A8 with AdaRound (default 1000 steps per layer, reconstruction error in units of one step): agreement 82.50 %
    /// (≥ 80), cosine 0.946 (≥ 0.935), top-1 54.75 % (at most 5 points under fp32), in about three times GPTQ's CPU time.
    /// Before the error was measured in steps: 80.50 %, 0.938, 54.25 % (the regulariser's weight followed each layer's
    /// input units; bench/README.md, "AdaRound in units of one step").
    /// </summary>
    [SlowFact("AdaRound on SqueezeNet, a minute on two cores")]
    public void SqueezeNet_W4A8_AdaRound()
    {
        var report = Report("adaround W4A8", W4A8 with { WeightMethod = WeightMethod.AdaRound });
        AssertAtLeast(report, agreement: 80, cosine: 0.935, top1Drop: 5);
        Assert.True(report.Comparison!.AgreementPercent >= Nearest.Value.AgreementPercent + 18, $"round-to-nearest agreement {Nearest.Value.AgreementPercent} %");
    }

    /// <summary>
    /// Issue #14's bar as its published anchors measure it (MQBench's academic setting, AdaRound's and BRECQ's tables keep
    /// the first and last layers at 8 bits): AdaRound W4A8 with <c>edge-weight-bits 8</c>, 58.3 % of SqueezeNet's weights
    /// at 4 bits (conv10, the classifier, holds 41.5 %). Measured (bench, session 10): agreement 86.00 % (≥ 85, the bar),
    /// cosine 0.960 (≥ 0.955), top-1 55.00 %, 1.75 points under fp32 (within 2, the bar); over the other two choices of
    /// reconstruction images 84.50 % and 85.00 %, top-1 2.0 points under (mean 85.17 %).
    /// </summary>
    [SlowFact("AdaRound on SqueezeNet, a minute on two cores")]
    public void SqueezeNet_W4A8_AdaRound_EdgeLayersAt8Bits()
    {
        var report = Report("adaround W4A8, edge layers 8-bit", W4A8 with { WeightMethod = WeightMethod.AdaRound, EdgeWeightBits = 8 });
        AssertAtLeast(report, agreement: 85, cosine: 0.955, top1Drop: 2);
    }

    /// <summary>
    /// AdaRound W4A8 with every layer at 4 bits and asymmetric weights (<c>weight-mode asym_u</c>: 16 levels and a zero
    /// point per channel instead of 15 symmetric ones). Measured (session 10): agreement 86.50 % (≥ 85), cosine 0.959
    /// (≥ 0.955; symmetric 0.946), top-1 55.50 % (1.25 points under fp32, within 2), 7.26× smaller. The bar, but
    /// on this choice of reconstruction images only: the other two gave 81.00 % and 82.25 % (cosine 0.956 and 0.955);
    /// the cosine gain over symmetric weights held on all three and on the CIFAR-10 and MNIST CNNs (bench/README.md).
    /// </summary>
    [SlowFact("AdaRound on SqueezeNet, a minute on two cores")]
    public void SqueezeNet_W4A8_AdaRound_AsymmetricWeights()
    {
        var report = Report("adaround W4A8, asymmetric weights", W4A8 with { WeightMethod = WeightMethod.AdaRound, WeightMode = Ptq.Quantization.QuantMode.AsymmetricUnsigned });
        AssertAtLeast(report, agreement: 85, cosine: 0.955, top1Drop: 2);
    }

    /// <summary>
    /// 4-bit weight-only with --data reconstructs with GPTQ by default: agreement 80.25 % (≥ 77; 79.75 % before the
    /// target's own ridge), cosine 0.936 (≥ 0.925), top-1 54.75 %; without data (round-to-nearest) 46.25 %, 0.603, 39.25 %.
    /// </summary>
    [SlowFact("GPTQ weight-only on SqueezeNet")]
    public void SqueezeNet_WeightOnly4_WithData_UsesGptq()
    {
        var recipe = W4A8 with { Mode = QuantizationMode.WeightOnly };
        Assert.Equal(WeightMethod.Gptq, recipe.WeightMethodFor(hasData: true));
        var report = Report("weight-only 4-bit with data", recipe);
        AssertAtLeast(report, agreement: 77, cosine: 0.925, top1Drop: 6);
    }

    /// <summary>
    /// Mixed 4/8-bit weights with GPTQ, 8-bit activations, target output cosine 0.99 on the check samples: the layers are
    /// ranked once by what their 4-bit weights alone cost per weight and the first ones raised to 8 bits, reconstructing
    /// each step (the raised layers keep round-to-nearest codes), with act-order (the mixed search's default). Measured
    /// (session 10): 80.3 % of the weights left at 4 bits (≥ 60 asserted); on the 400 held-out images agreement 87.75 %
    /// (≥ 85, the bar), cosine 0.9726 (≥ 0.96), top-1 54.25 %, 2.5 points under fp32 (at most 3 asserted: one
    /// image is 0.25 points). With the raised layers reconstructed at 8 bits too (session 9): 73.6 % at 4 bits, 87.00 %,
    /// 0.9765, 55.50 %; without act-order then 41.6 % at 4 bits for 89.25 % and 0.9759 (bench/README.md, "Regularising
    /// the asymmetric target").
    /// </summary>
    [SlowFact("GPTQ reconstructed once per step of the mixed-bit search on SqueezeNet, minutes on two cores")]
    public void SqueezeNet_Mixed48_Gptq()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var result = Quantizer.Quantize(model, W4A8 with { WeightBits = QuantizationRecipe.MixedBits, WeightMethod = WeightMethod.Gptq, TargetCosine = 0.99 },
            CalibrationSources.FromSamples(ModelInputs.Of(model), ImageNetSubset.Load(model, 0, 100)));
        var search = result.TargetSearch!;
        Assert.True(search.Met, $"check cosine {search.Cosine}");
        var layers = search.WeightBits;
        Assert.Equal(26, layers.Count);
        Assert.All(layers, l => Assert.Contains(l.Bits, new[] { 4, 8 }));
        double fourBit = (double)layers.Where(l => l.Bits == 4).Sum(l => l.Weights) / layers.Sum(l => l.Weights);
        foreach (var l in layers)
            output.WriteLine($"{l.Node}: {l.Bits}-bit, {l.Weights} weights, cost {l.LowBitCost:E2}");
        var report = Evaluator.Evaluate(result.Model, model, ImageNetSubset.Load(model, 100, 400), ImageNetSubset.Labels,
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
        var c = report.Comparison!;
        output.WriteLine($"mixed 4/8 gptq: {fourBit:P1} of weights at 4 bits, agreement {c.AgreementPercent:F2} %, cosine {c.MeanCosine:F5}, top-1 {report.Accuracy!.Top1Percent:F2} %");
        Assert.True(fourBit >= 0.6, $"{fourBit:P1} of the weights at 4 bits");
        Assert.True(c.AgreementPercent >= 85, $"agreement {c.AgreementPercent} %");
        Assert.True(c.MeanCosine >= 0.96, $"cosine {c.MeanCosine}");
        Assert.True(report.ReferenceAccuracy!.Top1Percent - report.Accuracy.Top1Percent <= 3, $"top-1 {report.Accuracy.Top1Percent} %");
    }

    /// <summary>
    /// The CIFAR-10 CNN, 4-bit weight-only with data (GPTQ by default): agreement 97.03 % (≥ 96.75; 96.90 % before the
    /// target's own ridge), cosine 0.99962 (≥ 0.9995), top-1 64.40 % (fp32 64.07 %), against round-to-nearest's 90.50 %
    /// and 0.99657.
    /// </summary>
    [Fact]
    public void Cifar10_WeightOnly4_WithData_UsesGptq()
    {
        var recipe = QuantizationRecipe.Default with { Mode = QuantizationMode.WeightOnly, WeightBits = 4, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff };
        var gptq = Cifar10("weight-only 4-bit with data", recipe).Comparison!;
        var nearest = Cifar10("weight-only 4-bit round-to-nearest", recipe with { WeightMethod = WeightMethod.MinMax }).Comparison!;
        Assert.True(gptq.AgreementPercent >= 96.75, $"agreement {gptq.AgreementPercent} %");
        Assert.True(gptq.MeanCosine >= 0.9995, $"cosine {gptq.MeanCosine}");
        Assert.True(gptq.AgreementPercent >= nearest.AgreementPercent + 4, $"round-to-nearest agreement {nearest.AgreementPercent} %");
    }

    /// <summary>
    /// The CIFAR-10 CNN at W4A8: GPTQ agreement 96.83 %, cosine 0.99956; AdaRound 96.63 %, 0.99951 (96.43 %, 0.99954 before its error was measured in steps; both ≥ 96 and
    /// 0.9993; 96.70 % and 96.33 % before the target's own ridge); round-to-nearest 91.50 %, 0.99694. Top-1 stays within 0.6 points of fp32's 64.07 % with either.
    /// </summary>
    [Theory]
    [InlineData(WeightMethod.Gptq)]
    [InlineData(WeightMethod.AdaRound)]
    public void Cifar10_W4A8(WeightMethod method)
    {
        var report = Cifar10($"W4A8 {Codecs.WeightMethods.Name(method)}", QuantizationRecipe.Default with
        {
            WeightBits = 4, WeightMethod = method, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff,
        });
        var c = report.Comparison!;
        Assert.True(c.AgreementPercent >= 96, $"agreement {c.AgreementPercent} %");
        Assert.True(c.MeanCosine >= 0.9993, $"cosine {c.MeanCosine}");
        Assert.True(Math.Abs(report.Accuracy!.Top1Percent - report.ReferenceAccuracy!.Top1Percent) <= 1, "top-1 within 1 point of fp32");
    }

    /// <summary>
    /// The MNIST CNN at W4A8 with GPTQ: agreement 99.92 % (≥ 99.75), cosine 0.99974 (≥ 0.9995), top-1 98.91 % as fp32;
    /// round-to-nearest 99.57 %, 0.99720, 98.80 % (AdaRound 99.81 %, 0.99928).
    /// </summary>
    [Fact]
    public void Mnist_W4A8_Gptq()
    {
        var report = Mnist(QuantizationRecipe.Default with { WeightBits = 4, WeightMethod = WeightMethod.Gptq, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff });
        var c = report.Comparison!;
        output.WriteLine($"mnist W4A8 gptq: agreement {c.AgreementPercent:F2} %, cosine {c.MeanCosine:F5}, top-1 {report.Accuracy!.Top1Percent:F2} % (fp32 {report.ReferenceAccuracy!.Top1Percent:F2} %)");
        Assert.True(c.AgreementPercent >= 99.75, $"agreement {c.AgreementPercent} %");
        Assert.True(c.MeanCosine >= 0.9995, $"cosine {c.MeanCosine}");
        Assert.True(report.ReferenceAccuracy.Top1Percent - report.Accuracy.Top1Percent <= 0.1, "top-1 within 0.1 points of fp32");
    }

    /// <summary>The CIFAR-10 CNN calibrated on every 10th test image (300, all classes), compared with fp32 on all 3000.</summary>
    private EvaluationReport Cifar10(string label, QuantizationRecipe recipe)
    {
        using var model = ModelIO.Load(Assets.Model("cifar10-cnn.onnx"));
        var inputs = ModelInputs.Of(model);
        var folder = Assets.Get("cifar10", "test");
        var options = new DataSourceOptions { Preprocessing = new ImagePreprocessing(mean: [127.5f], std: [127.5f]), Recursive = true };
        var calibration = CalibrationSources.Create(inputs, [folder], options).Where((_, i) => i % 10 == 0).ToList();
        var result = Quantizer.Quantize(model, recipe, CalibrationSources.FromSamples(inputs, calibration));
        var report = Evaluator.Evaluate(result.Model, model, CalibrationSources.Create(inputs, [folder], options), LabelSources.Parse("subdirs", folder),
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
        var c = report.Comparison!;
        output.WriteLine($"cifar10 {label}: agreement {c.AgreementPercent:F2} %, cosine {c.MeanCosine:F5}, top-1 {report.Accuracy!.Top1Percent:F2} % (fp32 {report.ReferenceAccuracy!.Top1Percent:F2} %)");
        Assert.Equal(3000, report.Samples);
        return report;
    }

    /// <summary>The MNIST CNN calibrated on the first 200 test images, compared with fp32 on all 10000.</summary>
    private static EvaluationReport Mnist(QuantizationRecipe recipe)
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var inputs = ModelInputs.Of(model);
        var mnist = Assets.Get("mnist", "t10k-images-idx3-ubyte.gz");
        var result = Quantizer.Quantize(model, recipe, CalibrationSources.FromSamples(inputs, CalibrationSources.Create(inputs, [mnist], new DataSourceOptions { Limit = 200 }).ToList()));
        return Evaluator.Evaluate(result.Model, model, CalibrationSources.Create(inputs, [mnist], new DataSourceOptions()),
            LabelSources.Parse(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null), new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
    }

    /// <summary>Reconstruction needs samples: asked for without them, the run stops with the option at fault.</summary>
    [Fact]
    public void Reconstruction_without_data_is_refused()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var e = Assert.Throws<RecipeException>(() => Quantizer.Quantize(model, QuantizationRecipe.Default with
        {
            Mode = QuantizationMode.WeightOnly, WeightBits = 4, WeightMethod = WeightMethod.AdaRound,
        }));
        Assert.Equal("weight-method", e.Key);
        Assert.Contains("add --data", e.MessageIn(OptionSpelling.Flags));
    }

    private EvaluationReport Report(string label, QuantizationRecipe recipe)
    {
        var report = SqueezeNetHeldOut(recipe, out double seconds);
        var c = report.Comparison!;
        output.WriteLine($"{label}: agreement {c.AgreementPercent:F2} %, cosine {c.MeanCosine:F5}, top-1 {report.Accuracy!.Top1Percent:F2} % " +
                         $"(fp32 {report.ReferenceAccuracy!.Top1Percent:F2} %), quantized in {seconds:F1} s");
        return report;
    }

    /// <summary>Quantizes SqueezeNet with the first 100 images and compares it with fp32 on the other 400.</summary>
    private static EvaluationReport SqueezeNetHeldOut(QuantizationRecipe recipe, out double seconds)
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Quantizer.Quantize(model, recipe, CalibrationSources.FromSamples(ModelInputs.Of(model), ImageNetSubset.Load(model, 0, 100)));
        seconds = clock.Elapsed.TotalSeconds;
        var report = Evaluator.Evaluate(result.Model, model, ImageNetSubset.Load(model, 100, 400), ImageNetSubset.Labels,
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
        Assert.Equal(400, report.Samples);
        return report;
    }

    private static void AssertAtLeast(EvaluationReport report, double agreement, double cosine, double top1Drop)
    {
        var c = report.Comparison!;
        Assert.True(c.AgreementPercent >= agreement, $"agreement {c.AgreementPercent} %");
        Assert.True(c.MeanCosine >= cosine, $"cosine {c.MeanCosine}");
        Assert.True(report.ReferenceAccuracy!.Top1Percent - report.Accuracy!.Top1Percent <= top1Drop,
            $"top-1 {report.Accuracy.Top1Percent} % against fp32 {report.ReferenceAccuracy.Top1Percent} %");
    }
}
