using System.Numerics.Tensors;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>
/// PP-OCRv4 detection on rendered pages: 32 pages (0–31) to calibrate, 8 others (100–107) to compare, text maps over all
/// 8 pages concatenated. Page 101 (six short words on a flat grey page) is the hard one: with 8-bit activations a
/// single early tensor rounded alone takes its cosine from 1.00 to 0.73 (conv2d_451, the 32-channel 1×1 conv at 1/2
/// resolution, whose per-tensor range is set by a few channels: median channel 28 codes of 255), because the rounding
/// error of a flat background is the same at every pixel and the squeeze-excite pooling spreads it over whole channels.
/// </summary>
public class OcrDetectorQuantizationTests(ITestOutputHelper output)
{
    private const string Output = "sigmoid_0.tmp_0";
    private const float Threshold = 0.3f; // DBNet's binarisation threshold

    /// <summary>
    /// Default recipe with percentile ranges (cosine 0.976 against 0.962 with the default MSE). Measured: cosine 0.9754,
    /// mask IoU 0.9421; pages 0.98–0.995 except 101 at 0.738 / 0.576. A regression floor for plain 8-bit activations.
    /// </summary>
    [Fact]
    public void TextMapsAgreeWithFloat()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-det.onnx"));
        var calibration = Pages(0, 32);
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.Percentile }));
        var (cosine, iou) = Compare(model, result.Model);
        Assert.True(cosine >= 0.97, $"cosine {cosine}");
        Assert.True(iou >= 0.93, $"mask IoU {iou}");
    }

    /// <summary>
    /// Percentile ranges with net-aware clipping (recipe key <c>net-aware-clip</c>): the backbone Conv outputs that reach
    /// a hard-swish through float Mul/Add start their range where it gives 0. Measured: cosine 0.9754 / mask IoU 0.9421
    /// without (page 101 0.738 / 0.576) → 0.9899 / 0.9700 with (page 101 0.975 / 0.940).
    /// </summary>
    [Fact]
    public void NetAwareClippingNarrowsTheGap()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-det.onnx"));
        var calibration = Pages(0, 32);
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings { NetAwareClipping = true },
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.Percentile }));
        var (cosine, iou) = Compare(model, result.Model);
        Assert.True(cosine >= 0.985, $"cosine {cosine}");
        Assert.True(iou >= 0.96, $"mask IoU {iou}");
    }

    /// <summary>
    /// Default recipe plus empirical bias correction (recipe key <c>empirical-bias-correction</c>): each Conv bias, in
    /// node order, takes off the output channel mean shift measured against float on the 32 calibration pages.
    /// Measured: default recipe cosine 0.9617, mask IoU 0.9147 (page 101 0.705 / 0.536, the others 0.968–0.986 /
    /// 0.920–0.962); with the correction 0.9694 / 0.9302 (page 101 0.737 / 0.574, the others 0.972–0.994 / 0.934–0.980),
    /// short of issue #4's 0.99 / 0.95. The pages' backgrounds differ (grey levels 200–255 per channel), and a flat
    /// background's rounding offset depends on its level, so one bias per channel fits the average page, not page 101:
    /// the same correction measured on page 101 alone takes it to 0.975 / 0.939. Guards the gain, not the target.
    /// </summary>
    [SlowFact("PP-OCRv4 det: empirical bias correction")]
    public void EmpiricalBiasCorrectionNarrowsTheGap()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-det.onnx"));
        var calibration = Pages(0, 32);
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings { EmpiricalBiasCorrection = true },
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings()));
        var (cosine, iou) = Compare(model, result.Model);
        Assert.True(cosine >= 0.967, $"cosine {cosine}");
        Assert.True(iou >= 0.925, $"mask IoU {iou}");
    }

    /// <summary>
    /// Issue #4's target (cosine ≥ 0.99, mask IoU ≥ 0.95) with mixed-precision activations: default recipe, then the
    /// activations whose rounding alone costs the output most (ranked on 4 calibration pages) kept float (with their
    /// producers and readers) in steps of 1, 2, 4… until the mean cosine on 8 calibration pages reaches 0.995. Measured:
    /// check cosine 0.9958 after keeping 15 of 93 float; all pages cosine 0.9950, mask IoU 0.9827 (before the ranking's
    /// float path took float biases: 16, 0.9958 / 0.9842; 16-bit instead of
    /// float needed 32 for 0.9975 / 0.9877 and ran slower than fp32 on ORT CPU). About 25 s here.
    /// </summary>
    [SlowFact("PP-OCRv4 det: mixed-precision activation search")]
    public void MixedActivationBitsMeetTheTarget()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-det.onnx"));
        var calibration = Pages(0, 32);
        var result = MixedActivationBits.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings()), [.. calibration.Take(8)], targetCosine: 0.995);
        output.WriteLine($"kept float: {result.Reverted.Count} ({string.Join(", ", result.Reverted.Select(r => r.Node))}); check cosine {result.Cosine:F4}");
        Assert.True(result.TargetMet, $"check cosine {result.Cosine}");
        var (cosine, iou) = Compare(model, result.Result.Model);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");
        Assert.True(iou >= 0.95, $"mask IoU {iou}");
    }

    /// <summary>
    /// Issue #4's target with the default recipe as <c>ptq quantize</c> runs it (32 pages as .npy files, every option at
    /// its default): the accuracy guard finds the output cosine on the 32 calibration pages at 0.9737, below 0.995, and
    /// keeps 8 of 93 activations float (steps of 1, 2, 4, 8: 0.9759, 0.9759, 0.9906, 0.9953). Measured on the other
    /// pages: cosine 0.9917, mask IoU 0.9747 (plain 8-bit: 0.962 / 0.915). About 20 s here.
    /// </summary>
    [SlowFact("PP-OCRv4 det: calibration, accuracy guard and its search")]
    public void DefaultRecipeMeetsTheTargetThroughTheAccuracyGuard()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-det.onnx"));
        using var temp = new TempDirectory();
        foreach (var (page, i) in Pages(0, 32).Select((p, i) => (p["x"], i)))
            File.WriteAllBytes(temp.File($"page{i:D2}.npy"), Data.NpyWriter.Bytes("<f4", [.. page.Shape.Select(d => (int)d)], Data.NpyWriter.Floats(page.ToFloats())));

        var run = Ptq.Recipes.RecipeQuantizer.Run(model, Ptq.Recipes.QuantizationRecipe.Default with { Data = [temp.Path] });

        var guard = Assert.IsType<GuardResult>(run.Guard);
        output.WriteLine($"guard: plain {guard.PlainCosine:F4}, kept float {guard.Search?.Reverted.Count} ({string.Join(", ", guard.Search?.Reverted.Select(r => r.Node) ?? [])}), check cosine {guard.Cosine:F4}");
        Assert.InRange(guard.PlainCosine, 0.95, 0.99);
        Assert.True(guard.Passed, $"check cosine {guard.Cosine}");
        Assert.InRange(guard.Search!.Reverted.Count, 1, 93 / 4);
        var (cosine, iou) = Compare(model, run.Result.Model);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");
        Assert.True(iou >= 0.95, $"mask IoU {iou}");
        DefaultRecipePins.Check(DefaultRecipePins.OcrDetector, run.Result.Model, output);
    }

    private static List<IReadOnlyDictionary<string, TensorValue>> Pages(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => (IReadOnlyDictionary<string, TensorValue>)TextImages.Feed(i))];

    private (double Cosine, double Iou) Compare(OnnxModel model, OnnxModel quantized)
    {
        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(quantized);
        var all = new List<float>();
        var allQuantized = new List<float>();
        for (int i = 100; i < 108; i++)
        {
            var feed = TextImages.Feed(i);
            var a = fp32.Run(feed)[Output].ToFloats();
            var b = int8.Run(feed)[Output].ToFloats();
            output.WriteLine($"page {i}: cosine {TensorPrimitives.CosineSimilarity(a, b):F4}, mask IoU {Iou(a, b):F4}, text pixels {a.Count(v => v > Threshold)}");
            Assert.True(a.Count(v => v > Threshold) > 1000, "the float model finds the rendered text");
            all.AddRange(a);
            allQuantized.AddRange(b);
        }
        double cosine = TensorPrimitives.CosineSimilarity(all.ToArray(), allQuantized.ToArray());
        double iou = Iou(all.ToArray(), allQuantized.ToArray());
        output.WriteLine($"all pages: cosine {cosine:F4}, mask IoU {iou:F4}");
        return (cosine, iou);
    }

    private static double Iou(float[] a, float[] b)
    {
        int both = 0, either = 0;
        for (int p = 0; p < a.Length; p++)
        {
            bool x = a[p] > Threshold, y = b[p] > Threshold;
            both += x && y ? 1 : 0;
            either += x || y ? 1 : 0;
        }
        return (double)both / either;
    }
}
