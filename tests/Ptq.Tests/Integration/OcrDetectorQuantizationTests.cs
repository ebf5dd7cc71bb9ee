using System.Numerics.Tensors;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

public class OcrDetectorQuantizationTests(ITestOutputHelper output)
{
    private const string Output = "sigmoid_0.tmp_0";
    private const float Threshold = 0.3f; // DBNet's binarisation threshold

    /// <summary>
    /// PP-OCRv4 detection, default recipe but percentile ranges (MindSpore's REMOVAL_OUTLIER; cosine 0.976 against 0.962
    /// with the default MSE on this model), 32 rendered pages to calibrate and 8 others to compare, text maps over all 8
    /// pages concatenated. Measured: cosine 0.976, mask IoU 0.943; seven pages are at 0.98–0.995 / 0.95–0.98 and one page
    /// with sparse text (101) at 0.74 / 0.58, because per-tensor ranges fit the text-heavy majority. Issue #4 asks for
    /// 0.99 / 0.95, so this pins today's level as a regression floor until the deep-stage ranges improve.
    /// </summary>
    [Fact]
    public void TextMapsAgreeWithFloat()
    {
        using var model = ModelIO.Load(Assets.Model("ppocrv4-det.onnx"));
        var calibration = Enumerable.Range(0, 32).Select(i => (IReadOnlyDictionary<string, TensorValue>)TextImages.Feed(i)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.Percentile }));
        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(result.Model);
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
        Assert.True(cosine >= 0.97, $"cosine {cosine}");
        Assert.True(iou >= 0.93, $"mask IoU {iou}");
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
