using Google.Protobuf;
using Ptq.Onnx.Proto;
using Ptq.Tests.Data;
using SkiaSharp;

namespace Ptq.Tests.Hostile;

/// <summary>
/// A folder laid out for one hostile case: <c>model/</c> (the model and anything it may read), <c>data/</c> (samples),
/// <c>out/</c> (the only place a run may write) and <c>outside/</c> (a secret the model must never reach). The snapshot
/// taken at creation lets a case assert that nothing outside <c>out/</c> was written and that <c>out/</c> holds no
/// temporary files.
/// </summary>
internal sealed class HostileWorkspace : IDisposable
{
    /// <summary>Bytes of the secret file outside the model folder: recognisable in any output that carries them.</summary>
    public static readonly byte[] Secret = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("TOP-SECRET-PASSWORD!", 60)))[..1024];

    private readonly TempDirectory _temp = new();
    private Dictionary<string, (long, DateTime)> _snapshot = [];

    public HostileWorkspace(ModelProto? model = null, int samples = 4)
    {
        Directory.CreateDirectory(ModelDir);
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(OutDir);
        Directory.CreateDirectory(OutsideDir);
        File.WriteAllBytes(Path.Combine(OutsideDir, "secret.bin"), Secret);
        File.WriteAllBytes(ModelPath, (model ?? TestModels.ConvReluAdd()).ToByteArray());
        for (int i = 0; i < samples; i++)
            WriteSample($"s{i}.npy", i);
        Snapshot();
    }

    public string Root => _temp.Path;
    public string ModelDir => Path.Combine(Root, "model");
    public string DataDir => Path.Combine(Root, "data");
    public string OutDir => Path.Combine(Root, "out");
    public string OutsideDir => Path.Combine(Root, "outside");
    public string ModelPath => Path.Combine(ModelDir, "model.onnx");
    public string SecretPath => Path.Combine(OutsideDir, "secret.bin");
    public string Out(string name) => Path.Combine(OutDir, name);

    /// <summary>A seeded [1,3,8,8] float32 sample in <c>data/</c> (or <paramref name="folder"/>).</summary>
    public string WriteSample(string name, int seed, float? poison = null, string? folder = null)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, 3 * 8 * 8).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
        if (poison is { } p)
            values[37] = p;
        string path = Path.Combine(folder ?? DataDir, name);
        File.WriteAllBytes(path, NpyWriter.Bytes("<f4", [1, 3, 8, 8], NpyWriter.Floats(values)));
        return path;
    }

    /// <summary>Seeded 8×8 RGB images in <paramref name="folder"/>.</summary>
    public static void WriteImages(string folder, int count, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int size = 8)
    {
        Directory.CreateDirectory(folder);
        string extension = format == SKEncodedImageFormat.Jpeg ? "jpg" : "png";
        for (int i = 0; i < count; i++)
            File.WriteAllBytes(Path.Combine(folder, $"img{i}.{extension}"), Image(i, format, size));
    }

    /// <summary>A seeded <paramref name="size"/>² image encoded as <paramref name="format"/>.</summary>
    public static byte[] Image(int seed, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int size = 8)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>Records every file outside <c>out/</c> with its size and time, for <see cref="AssertNothingWrittenOutsideOut"/>.</summary>
    public void Snapshot() => _snapshot = Files(excludeOut: true);

    /// <summary>Nothing outside <c>out/</c> was created, changed or removed since the snapshot.</summary>
    public void AssertNothingWrittenOutsideOut()
    {
        var now = Files(excludeOut: true);
        Assert.Equal(_snapshot.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, stamp) in _snapshot)
            Assert.True(now[path] == stamp, $"'{path}' changed");
    }

    /// <summary><c>out/</c> holds no temporary or hidden files, and nothing but <paramref name="expected"/>.</summary>
    public void AssertOut(params string[] expected)
    {
        var names = Directory.EnumerateFileSystemEntries(OutDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), names);
    }

    private Dictionary<string, (long, DateTime)> Files(bool excludeOut)
    {
        var files = new Dictionary<string, (long, DateTime)>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (string path in Directory.EnumerateFiles(Root, "*", options))
        {
            if (excludeOut && path.StartsWith(OutDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                continue;
            var info = new FileInfo(path);
            files[path] = (info.Length, info.LastWriteTimeUtc);
        }
        return files;
    }

    public void Dispose() => _temp.Dispose();
}
