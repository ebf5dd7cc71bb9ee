using Ptq.Data;
using SkiaSharp;

namespace Ptq.Tests.Data;

public class CalibrationSourcesTests
{
    private static readonly ModelInputInfo Image3x2 = new("img", InputElementType.Float32, [1, 3, 2, 3]);

    /// <summary>Writes a lossless PNG whose pixel (x, y) is (r0 + x, 10·y, 200).</summary>
    internal static void WritePng(string path, int width, int height, byte r0)
    {
        using var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) bmp.SetPixel(x, y, new SKColor((byte)(r0 + x), (byte)(10 * y), 200));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void Png_folder_decodes_pixels_exactly()
    {
        using var dir = new TempDir();
        WritePng(dir.File("b.png"), 3, 2, 100);
        WritePng(dir.File("a.PNG"), 3, 2, 50);
        var o = new DataSourceOptions { Preprocessing = new ImagePreprocessing(color: ColorMode.Bgr) };
        var samples = CalibrationSources.Create([Image3x2], [dir.Path], o).ToList();
        Assert.Equal(new[] { "a.PNG", "b.png" }, samples.Select(s => s.SourceName));
        float[] v = (float[])samples[0]["img"].Data;
        Assert.Equal(new float[] { 200, 200, 200, 200, 200, 200, 0, 0, 0, 10, 10, 10, 50, 51, 52, 50, 51, 52 }, v);
    }

    [Fact]
    public void Uint8_input_gets_raw_bytes()
    {
        using var dir = new TempDir();
        WritePng(dir.File("a.png"), 3, 2, 7);
        var input = new ModelInputInfo("img", InputElementType.UInt8, [1, 2, 3, 3]);
        var o = new DataSourceOptions { Preprocessing = new ImagePreprocessing(layout: TensorLayout.Nhwc) };
        InputTensor t = CalibrationSources.Create([input], [dir.Path], o).Single()["img"];
        Assert.Equal(new byte[] { 7, 0, 200, 8, 0, 200 }, ((byte[])t.Data)[..6]);
    }

    [Fact]
    public void Image_size_that_does_not_fit_the_model_names_file_and_options()
    {
        using var dir = new TempDir();
        WritePng(dir.File("big.png"), 5, 4, 0);
        var e = Assert.Throws<DataSourceException>(() => CalibrationSources.Create([Image3x2], [dir.Path]).ToList());
        Assert.Contains("big.png", e.Message);
        Assert.Contains("--resize", e.Message);
        var o = new DataSourceOptions { Preprocessing = new ImagePreprocessing(resize: new ImageSize(3, 2)) };
        Assert.Single(CalibrationSources.Create([Image3x2], [dir.Path], o));
    }

    [Fact]
    public void Corrupt_image_fails_by_name_or_is_skipped_and_counted()
    {
        using var dir = new TempDir();
        WritePng(dir.File("a.png"), 3, 2, 0);
        File.WriteAllBytes(dir.File("b.jpg"), [0xFF, 0xD8, 0xFF, 1, 2, 3]);
        WritePng(dir.File("c.png"), 3, 2, 0);
        var e = Assert.Throws<CorruptFileException>(() => CalibrationSources.Create([Image3x2], [dir.Path]).ToList());
        Assert.Contains("b.jpg", e.Message);
        Assert.EndsWith("b.jpg", e.FilePath);

        var source = CalibrationSources.Create([Image3x2], [dir.Path], new DataSourceOptions { SkipCorrupt = true });
        Assert.Equal(new[] { "a.png", "c.png" }, source.Select(s => s.SourceName));
        Assert.Equal(1, source.SkippedFiles);
        // Reading again (a full pass, or only the first sample as the accuracy guard's check set does) counts the same file once.
        Assert.Equal(new[] { "a.png", "c.png" }, source.Select(s => s.SourceName));
        Assert.Single(source.Take(1));
        Assert.Equal(1, source.SkippedFiles);
    }

    [Fact]
    public void Spread_picks_samples_evenly_over_the_stream_and_decodes_only_those()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 10; i++)
            WritePng(dir.File($"{i:D2}.png"), 3, 2, (byte)i);
        var source = CalibrationSources.Create([Image3x2], [dir.Path]);

        Assert.Equal(new[] { "00.png", "03.png", "06.png" }, source.Spread(3).Select(s => s.SourceName));
        Assert.Equal(10, source.Spread(32).Count()); // a stream no longer than the request gives all of it
        var limited = CalibrationSources.Create([Image3x2], [dir.Path], new DataSourceOptions { Limit = 4 });
        Assert.Equal(new[] { "00.png", "02.png" }, limited.Spread(2).Select(s => s.SourceName));
        Assert.Empty(source.Spread(0));
    }

    [Fact]
    public void Reconstruction_samples_are_spread_apart_from_the_check_set_when_enough_are_left()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 10; i++)
            WritePng(dir.File($"{i:D2}.png"), 3, 2, (byte)i);
        var source = CalibrationSources.Create([Image3x2], [dir.Path]);

        // The check set Spread(3) reads 00, 03, 06; four of the seven left, spread: 01, 04, 05, 08.
        Assert.Equal([0, 3, 6], CalibrationSplit.SpreadPositions(10, 3));
        Assert.Equal(new[] { "01.png", "02.png", "05.png", "08.png" }, source.SpreadOutside(4, excluded: 3).Select(s => s.SourceName));
        // Eight asked, seven left: too few to keep apart, so Spread(8) as before.
        Assert.Equal(source.Spread(8).Select(s => s.SourceName), source.SpreadOutside(8, excluded: 3).Select(s => s.SourceName));
    }

    [Fact]
    public void Missing_empty_and_mixed_folders_are_errors_naming_the_path()
    {
        using var dir = new TempDir();
        string missing = dir.File("nope");
        Assert.Contains(missing, Assert.Throws<DataSourceException>(() => CalibrationSources.Create([Image3x2], [missing])).Message);
        string empty = dir.Sub("empty");
        dir.Sub("empty/sub");
        var e = Assert.Throws<DataSourceException>(() => CalibrationSources.Create([Image3x2], [empty]));
        Assert.Contains(empty, e.Message);
        Assert.Contains("recursive", e.Message);
        string mixed = dir.Sub("mixed");
        WritePng(Path.Combine(mixed, "a.png"), 3, 2, 0);
        File.WriteAllBytes(Path.Combine(mixed, "b.bin"), new byte[4]);
        Assert.Contains("mixes", Assert.Throws<DataSourceException>(() => CalibrationSources.Create([Image3x2], [mixed])).Message);
    }

    [Fact]
    public void Recursive_listing_sorts_by_relative_path()
    {
        using var dir = new TempDir();
        dir.Sub("b");
        dir.Sub("a");
        WritePng(dir.File("b/1.png"), 3, 2, 0);
        WritePng(dir.File("a/2.png"), 3, 2, 0);
        WritePng(dir.File("c.png"), 3, 2, 0);
        var o = new DataSourceOptions { Recursive = true };
        Assert.Equal(new[] { "a/2.png", "b/1.png", "c.png" }, CalibrationSources.Create([Image3x2], [dir.Path], o).Select(s => s.SourceName));
    }

    private static TempDir BinFolder(int files, out string path)
    {
        var dir = new TempDir();
        path = dir.Sub("bins");
        for (int i = 0; i < files; i++) File.WriteAllBytes(Path.Combine(path, $"{i:D2}.bin"), NpyWriter.Floats(i));
        return dir;
    }

    private static readonly ModelInputInfo Scalar = new("x", InputElementType.Float32, [1]);

    [Fact]
    public void Limit_and_seeded_shuffle_are_deterministic()
    {
        using var dir = BinFolder(20, out string path);
        float First(CalibrationSample s) => ((float[])s["x"].Data)[0];
        var plain = CalibrationSources.Create([Scalar], [path], new DataSourceOptions { Limit = 5 });
        Assert.Equal(5, plain.Count);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4 }, plain.Select(First));

        var o = new DataSourceOptions { Shuffle = true, Seed = 42 };
        float[] a = CalibrationSources.Create([Scalar], [path], o).Select(First).ToArray();
        float[] b = CalibrationSources.Create([Scalar], [path], o).Select(First).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 20).Select(i => (float)i), a);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (float)i), a.Order());
        float[] c = CalibrationSources.Create([Scalar], [path], o with { Seed = 43 }).Select(First).ToArray();
        Assert.NotEqual(a, c);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataSourceOptions { Limit = 0 });
    }

    [Fact]
    public void Several_inputs_pair_by_sorted_name_and_check_counts_and_names()
    {
        using var d1 = BinFolder(3, out string p1);
        using var d2 = BinFolder(3, out string p2);
        using var d3 = BinFolder(2, out string p3);
        ModelInputInfo a = Scalar with { Name = "a" }, b = Scalar with { Name = "in:b" };
        var samples = CalibrationSources.Create([a, b], [$"a:{p1}", $"in:b:{p2}"]).ToList();
        Assert.Equal(3, samples.Count);
        Assert.Equal(2f, ((float[])samples[2]["in:b"].Data)[0]);

        var counts = Assert.Throws<DataSourceException>(() => CalibrationSources.Create([a, b], [$"a:{p1}", $"in:b:{p3}"]));
        Assert.Contains(p1, counts.Message);
        Assert.Contains(p3, counts.Message);
        Assert.Contains("3 samples", counts.Message);
        Assert.Contains("has 2", counts.Message);

        Assert.Contains("'in:b'", Assert.Throws<DataSourceException>(() => CalibrationSources.Create([a, b], [$"a:{p1}"])).Message);
        var unknown = Assert.Throws<DataSourceException>(() => CalibrationSources.Create([a, b], [$"a:{p1}", $"cam:{p2}"]));
        Assert.Contains("valid names: a, in:b", unknown.Message);
        Assert.Contains("INPUT_NAME:PATH", Assert.Throws<DataSourceException>(() => CalibrationSources.Create([a, b], [p1])).Message);
    }

    [Theory]
    [InlineData("x:/data/imgs", "x", "/data/imgs")]
    [InlineData("C:\\data", null, "C:\\data")]
    [InlineData("/abs/a:b", null, "/abs/a:b")]
    [InlineData("data", null, "data")]
    [InlineData("in:b:/p", "in:b", "/p")]
    [InlineData("in:/p", "in", "/p")]
    public void Spec_takes_a_name_only_when_it_is_a_model_input(string spec, string? name, string path) =>
        Assert.Equal(new DataSpec(name, path), DataSpec.Parse(spec, ["x", "in", "in:b"]));
}
