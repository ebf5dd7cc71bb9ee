using SkiaSharp;
using Ptq.Runtime;

namespace Ptq.Tests.Integration;

/// <summary>
/// Synthetic document-like images (lines of words in DejaVu Sans, 18–36 px, on a light background), seeded, as OCR
/// detector feeds. PP-OCR scales real pages so text is at least this tall before detection.
/// </summary>
internal static class TextImages
{
    private const string FontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private static readonly string[] Words = ["quantize", "Ptq", "ONNX", "int8", "2026", "model", "scale", "zero", "point", "calibrate", "TEXT", "hello", "weights"];

    /// <summary>One [1,3,H,W] feed normalised as PP-OCR expects: (x/255 − mean) / std per RGB channel.</summary>
    public static Dictionary<string, TensorValue> Feed(int seed, int width = 320, int height = 320)
    {
        if (!File.Exists(FontPath))
            throw new InvalidOperationException($"font '{FontPath}' is missing (Debian package fonts-dejavu-core)");
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        using (var typeface = SKTypeface.FromFile(FontPath))
        {
            canvas.Clear(new SKColor((byte)random.Next(200, 256), (byte)random.Next(200, 256), (byte)random.Next(200, 256)));
            using var paint = new SKPaint { IsAntialias = true };
            for (int line = 0; line < 6; line++)
            {
                using var font = new SKFont(typeface, random.Next(18, 36));
                paint.Color = new SKColor((byte)random.Next(0, 80), (byte)random.Next(0, 80), (byte)random.Next(0, 80));
                string text = string.Join(" ", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Words[random.Next(Words.Length)]));
                canvas.DrawText(text, random.Next(5, width / 3), 30 + line * (height - 40) / 6f + random.Next(0, 10), font, paint);
            }
        }
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var values = new float[3 * height * width];
        var pixels = bitmap.Bytes;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    values[c * height * width + y * width + x] = (pixels[(y * width + x) * 4 + c] / 255f - mean[c]) / std[c];
        return new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats([1, 3, height, width], values) };
    }
}
