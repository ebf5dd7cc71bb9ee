using SkiaSharp;
using Ptq.Data;
using Ptq.Data.Imaging;

namespace Ptq.Tests.Data;

/// <summary>
/// Image files are decoded row by row with grayscale and the horizontal resize pass applied per row (so a large photo is
/// never held at full size); the tensors must be byte for byte those of decoding the whole image and preprocessing it.
/// </summary>
public sealed class RowDecodingTests
{
    public static TheoryData<string> Preprocessings => new()
    {
        "short256-crop224", "resize100x80-cubic", "gray-short64", "nearest-resize50x40", "none",
    };

    private static ImagePreprocessing Preprocessing(string name) => name switch
    {
        "short256-crop224" => new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224), color: ColorMode.Bgr, mean: [104f, 117f, 123f]),
        "resize100x80-cubic" => new ImagePreprocessing(resize: new ImageSize(100, 80), resizeMethod: ResizeMethod.Cubic),
        "gray-short64" => new ImagePreprocessing(resizeShort: 64, color: ColorMode.Gray),
        "nearest-resize50x40" => new ImagePreprocessing(resize: new ImageSize(50, 40), resizeMethod: ResizeMethod.Nearest),
        _ => ImagePreprocessing.Default,
    };

    [Theory]
    [MemberData(nameof(Preprocessings))]
    public void RowByRowGivesTheSameTensorsAsWholeImages(string preprocessing)
    {
        using var temp = new TempDirectory();
        var images = Directory.GetFiles(Assets.Get("imagenet", "images")).Order(StringComparer.Ordinal).Take(6).ToList();
        images.Add(Largest(Assets.Get("imagenet", "images"))); // 2.5 MP
        images.Add(WritePng(temp.File("alpha.png"), 37, 23));
        images.Add(WriteBottomUpBmp(temp.File("bottom-up.bmp"), 29, 17));
        var tensorizer = new ImageTensorizer(Preprocessing(preprocessing));

        foreach (string path in images)
        {
            var (pixels, width, height) = ImageDecoder.Decode(path, tensorizer.RowTransformFor);
            var whole = tensorizer.Apply(ImageDecoder.DecodeRgb(path));
            var rows = tensorizer.Apply(pixels, width, height);
            Assert.Equal(whole.Dims, rows.Dims);
            Assert.True(whole.Values.AsSpan().SequenceEqual(rows.Values), $"{Path.GetFileName(path)}: tensors differ");
        }
    }

    [Fact]
    public void ABottomUpBmpKeepsItsRowOrder()
    {
        using var temp = new TempDirectory();
        string path = WriteBottomUpBmp(temp.File("b.bmp"), 3, 2);
        var (pixels, _, _) = ImageDecoder.Decode(path, (w, h) => new RowTransform(w, gray: false, horizontal: null));
        // Row 0 (top) has red x*40, green 0; row 1 has green 100.
        Assert.Equal(new byte[] { 0, 0, 50, 40, 0, 50, 80, 0, 50, 0, 100, 50, 40, 100, 50, 80, 100, 50 }, pixels.Pixels);
    }

    [Fact]
    public void ATruncatedJpegIsCorruptRowByRowToo()
    {
        using var temp = new TempDirectory();
        string source = Directory.GetFiles(Assets.Get("imagenet", "images")).Order(StringComparer.Ordinal).First();
        byte[] bytes = File.ReadAllBytes(source);
        string path = temp.File("cut.jpg");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var tensorizer = new ImageTensorizer(Preprocessing("short256-crop224"));

        var e = Assert.Throws<CorruptFileException>(() => ImageDecoder.Decode(path, tensorizer.RowTransformFor));
        Assert.Contains("cut.jpg", e.Message);
    }

    private static string Largest(string folder) =>
        Directory.GetFiles(folder).MaxBy(f => { using var codec = SKCodec.Create(f); return (long)codec.Info.Width * codec.Info.Height; })!;

    private static string WritePng(string path, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var random = new Random(5);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>A 24-bit BMP stored bottom row first (positive height), pixel (x, y) = (x·40, y·100, 50).</summary>
    private static string WriteBottomUpBmp(string path, int width, int height)
    {
        int stride = (width * 3 + 3) & ~3;
        var file = new byte[54 + stride * height];
        void Int(int at, int v) => BitConverter.TryWriteBytes(file.AsSpan(at), v);
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        Int(2, file.Length);
        Int(10, 54);
        Int(14, 40);
        Int(18, width);
        Int(22, height);
        BitConverter.TryWriteBytes(file.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(file.AsSpan(28), (short)24);
        Int(34, stride * height);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * stride;
            for (int x = 0; x < width; x++)
            {
                file[row + x * 3] = 50;                      // blue
                file[row + x * 3 + 1] = (byte)(y * 100);     // green
                file[row + x * 3 + 2] = (byte)(x * 40 % 256); // red
            }
        }
        File.WriteAllBytes(path, file);
        return path;
    }
}
