using SkiaSharp;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>PP-OCRv4 recognition (conv + attention-style mixing, MatMul, Softmax) on rendered text lines, default recipe.</summary>
public class OcrRecognizerQuantizationTests(ITestOutputHelper output)
{
    private const string FontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private const string Output = "softmax_11.tmp_0";

    /// <summary>One [1,3,48,320] text line normalised as PP-OCR's recognizer expects: (x/255 − 0.5) / 0.5.</summary>
    private static Dictionary<string, TensorValue> Line(int seed)
    {
        var random = new Random(seed);
        const int width = 320, height = 48;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        using (var typeface = SKTypeface.FromFile(FontPath))
        using (var font = new SKFont(typeface, random.Next(24, 34)))
        using (var paint = new SKPaint { IsAntialias = true, Color = SKColors.Black })
        {
            canvas.Clear(SKColors.White);
            const string alphabet = "ABCDEFGHJKLMNPRSTUVWXYZabcdefghkmnprstuvwxyz0123456789";
            string text = string.Concat(Enumerable.Range(0, random.Next(6, 14)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            canvas.DrawText(text, 4, 36, font, paint);
        }
        var values = new float[3 * height * width];
        var pixels = bitmap.Bytes;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    values[c * height * width + y * width + x] = (pixels[(y * width + x) * 4 + c] / 255f - 0.5f) / 0.5f;
        return new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats([1, 3, height, width], values) };
    }

    /// <summary>
    /// Measured (16 rendered lines, 640 time steps): per-step argmax agreement 94.38 %, cosine 0.962 with the default
    /// MSE ranges and no accuracy guard (93.44 % / 0.959 while its two-activation MatMuls and Softmax ran int8 and MatMul
    /// outputs were quantized; percentile 93.3 % / 0.927, min-max 94.2 % / 0.942 then). These floors guard today's level.
    /// With SmoothQuant α 0.5 (4 of 9 MatMul inputs smoothed: the decomposed LayerNorms' Mul γ / Add β absorb the division;
    /// Reshape, Transpose and swish producers refused): 94.38 %, cosine 0.9609, no gain on this model.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(0.5)]
    public void CharacterDecisionsAgreeWithFloat(double? smoothQuant)
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-rec.onnx"));
        var calibration = Enumerable.Range(0, 24).Select(i => (IReadOnlyDictionary<string, TensorValue>)Line(i)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings { SmoothQuantAlpha = smoothQuant },
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings()), new SynchronousLog(output));
        var summary = Compare(model, result.Model);
        output.WriteLine($"per-step argmax agreement {summary.AgreementPercent:F2} % over {summary.ArgmaxRows} steps, cosine {summary.MeanCosine:F4}");
        int weights = result.Tensors.Count(t => t.Kind == "Weight");
        output.WriteLine($"{weights} weights quantized; float: {string.Join(", ", result.Plan.FloatNodes.GroupBy(f => f.Reason).Select(g => $"{g.Count()} {g.First().Node.OpType} ({g.Key})"))}");
        Assert.True(weights >= 30, $"the recognizer's convolutions and MatMuls are quantized: {weights}");
        Assert.True(summary.AgreementPercent >= 93.0, $"agreement {summary.AgreementPercent}");
        Assert.True(summary.MeanCosine >= 0.95, $"cosine {summary.MeanCosine}");
    }

    /// <summary>
    /// The default recipe's accuracy guard on the same lines (check set = the 24 calibration lines): plain cosine 0.959
    /// on them, below 0.995, so the search keeps the costliest activations float until the check holds: 25 of the
    /// candidates (check 0.9956). Measured on the 16 other lines: agreement 97.97 %, cosine 0.9929 (plain: 94.38 % /
    /// 0.962). It kept 75–79 float (98.12 % / 0.9917) while the ranking's all-float run still held the bias-corrected
    /// biases and the rounded weights of nodes writing no candidate (cosine 0.988 against float on these lines, the same
    /// for every candidate, so the ranking was flat); the at-most-40 bound asserts that it ranks again.
    /// </summary>
    [SlowFact("PP-OCRv4 rec: accuracy guard and its search")]
    public void TheAccuracyGuardKeepsTheCostliestActivationsFloat()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-rec.onnx"));
        var calibration = Enumerable.Range(0, 24).Select(i => (IReadOnlyDictionary<string, TensorValue>)Line(i)).ToList();
        var guard = AccuracyGuard.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings()), calibration);
        output.WriteLine($"check cosine {guard.PlainCosine:F4} -> {guard.Cosine:F4} with {guard.Search?.Reverted.Count} kept float");
        Assert.True(guard.Passed, $"check cosine {guard.Cosine}");
        Assert.InRange(guard.Search!.Reverted.Count, 1, 40);
        var summary = Compare(model, guard.Result.Model);
        output.WriteLine($"per-step argmax agreement {summary.AgreementPercent:F2} %, cosine {summary.MeanCosine:F4}");
        DefaultRecipePins.Check(DefaultRecipePins.OcrRecognizer, guard.Result.Model, output);
        Assert.True(summary.AgreementPercent >= 97.0, $"agreement {summary.AgreementPercent}");
        Assert.True(summary.MeanCosine >= 0.99, $"cosine {summary.MeanCosine}");
    }

    /// <summary>
    /// Net-aware clipping (recipe key <c>net-aware-clip</c>) with min-max ranges: each backbone Conv's output reaches the
    /// hard-swish through a float Mul/Add (PP-LCNet's learnable affine block), so its range starts where the hard-swish
    /// gives 0 (e.g. depthwise_conv2d_0 [−14.95, 15.31] → [−2.59, …]) instead of spending codes below it. Measured on the
    /// 16 held-out lines: min-max 94.22 % / 0.9418 → 97.03 % / 0.9815 (MSE: 94.38 % / 0.9618 → 93.91 % / 0.9558: its clip
    /// search had cut the top of these ranges, which the hard-swish passes on unchanged).
    /// </summary>
    [Fact]
    public void NetAwareClippingStartsTheBackboneRangesAtTheHardSwishKnee()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-rec.onnx"));
        var calibration = Enumerable.Range(0, 24).Select(i => (IReadOnlyDictionary<string, TensorValue>)Line(i)).ToList();
        var input = new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.MinMax });
        var plain = Compare(model, StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), input).Model);
        var clipped = Compare(model, StaticQuantizer.Quantize(model, new StaticQuantizationSettings { NetAwareClipping = true }, input).Model);
        output.WriteLine($"min-max: {plain.AgreementPercent:F2} % / {plain.MeanCosine:F4}; with net-aware clipping {clipped.AgreementPercent:F2} % / {clipped.MeanCosine:F4}");
        Assert.True(clipped.AgreementPercent >= 96.5, $"agreement {clipped.AgreementPercent}");
        Assert.True(clipped.MeanCosine >= 0.975, $"cosine {clipped.MeanCosine}");
        Assert.True(clipped.MeanCosine - plain.MeanCosine >= 0.02, $"cosine {plain.MeanCosine} → {clipped.MeanCosine}");
    }

    /// <summary>
    /// Issue #16's bar for this model (per-step agreement ≥ 99 % on held-out lines): min-max ranges, net-aware clipping and
    /// the default accuracy guard (check set = the 24 calibration lines). The guard keeps 27 activations float (check
    /// cosine 0.9845 → 0.9984), most of them in the backbone: 20 of 43 weights stay int8, all 9 MatMul weights (the
    /// attention's qkv and projection, the MLPs, the head) and 11 of the Convs; the two activation MatMuls (Q·Kᵀ,
    /// attention·V) and Softmax stay float by the planner's rule (ORT's per-head QLinearMatMul is slower than float).
    /// Measured on the 16 held-out lines: 99.06 % (634 of 640 steps), cosine 0.9951. The floor, 98.75 % (632 steps), leaves
    /// two steps for processors whose ONNX Runtime kernels round differently (the guard's choices can move with them).
    /// </summary>
    [SlowFact("PP-OCRv4 rec: accuracy guard and its search")]
    public void MinMaxWithNetAwareClippingAndTheGuardAgreeOn99PercentOfSteps()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-rec.onnx"));
        var calibration = Enumerable.Range(0, 24).Select(i => (IReadOnlyDictionary<string, TensorValue>)Line(i)).ToList();
        var guard = AccuracyGuard.Quantize(model, new StaticQuantizationSettings { NetAwareClipping = true },
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.MinMax }), calibration);
        var summary = Compare(model, guard.Result.Model);
        output.WriteLine($"check cosine {guard.PlainCosine:F4} -> {guard.Cosine:F4} with {guard.Search?.Reverted.Count} kept float; per-step argmax agreement {summary.AgreementPercent:F2} %, cosine {summary.MeanCosine:F4}");
        Assert.True(guard.Passed, $"check cosine {guard.Cosine}");
        Assert.InRange(guard.Search!.Reverted.Count, 1, 40);
        var weights = guard.Result.Tensors.Where(t => t.Kind == "Weight").ToList();
        output.WriteLine($"{weights.Count} weights int8: {weights.Count(w => w.NodeType == "MatMul")} MatMul, {weights.Count(w => w.NodeType == "Conv")} Conv; kept float: {string.Join(", ", guard.Search.Reverted.Select(r => r.Node))}");
        Assert.True(weights.Count(w => w.NodeType == "MatMul") >= 8, "the attention's linear layers are int8");
        Assert.True(summary.AgreementPercent >= 98.75, $"agreement {summary.AgreementPercent}");
        Assert.True(summary.MeanCosine >= 0.994, $"cosine {summary.MeanCosine}");
    }

    private sealed class SynchronousLog(ITestOutputHelper output) : IProgress<string>
    {
        public void Report(string value)
        {
            if (value.Contains("SmoothQuant", StringComparison.Ordinal) || value.Contains("not smoothed", StringComparison.Ordinal))
                output.WriteLine(value);
        }
    }

    /// <summary>Per-step agreement and cosine of <paramref name="quantized"/> against float on 16 lines not used to calibrate.</summary>
    private static ComparisonSummary Compare(OnnxModel model, OnnxModel quantized)
    {
        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(quantized);
        var comparison = new OutputComparison();
        for (int i = 100; i < 116; i++)
        {
            var feed = Line(i);
            var a = fp32.Run(feed)[Output];
            comparison.Add(a.AsFloatSpan(), int8.Run(feed)[Output].AsFloatSpan(), rowLength: (int)a.Shape[^1]);
        }
        return comparison.ToSummary();
    }
}
