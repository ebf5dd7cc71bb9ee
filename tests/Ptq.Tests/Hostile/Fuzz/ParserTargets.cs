using System.IO.Compression;
using System.Text;
using Ptq.Calibration;
using Ptq.Data;
using Ptq.Recipes;
using Ptq.Tests.Data;

namespace Ptq.Tests.Hostile.Fuzz;

/// <summary>One parser Ptq owns: valid seed files and how to run the parser on (damaged) bytes written to <c>file</c>.</summary>
internal sealed record ParserTarget(string Name, string Extension, bool IsText, IReadOnlyList<byte[]> Seeds, Action<string> Parse);

/// <summary>The parsers fuzzed in-process (images run in a child process, see <see cref="HostileParserFuzzTests"/>).</summary>
internal static class ParserTargets
{
    private static readonly ModelInputInfo Image = new("X", InputElementType.Float32, [1, 3, 8, 8]);
    private static readonly ModelInputInfo Gray = new("X", InputElementType.Float32, [1, 1, 8, 8]);

    public static IReadOnlyList<ParserTarget> All(string statsJson) =>
    [
        new("npy", ".npy", false, [Npy(1), Npy(2, version: 2), Npy(3, batch: 3)], path => Drain(Image, path)),
        new("npz", ".npz", false, [Npz(deflate: false), Npz(deflate: true)], path => Drain(Image, path)),
        new("idx", "-idx3-ubyte", false, [Idx(gzip: false)], path => Drain(Gray, path)),
        new("idx.gz", "-idx3-ubyte.gz", false, [Idx(gzip: true)], path => Drain(Gray, path)),
        new("txt", ".txt", true, [Utf8(string.Join("\n", Values(4).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))], path => Drain(Image, path)),
        new("bin", ".bin", false, [NpyWriter.Floats(Values(5))], path => Drain(Image, path)),
        new("recipe.yaml", ".yaml", true, [Utf8(RecipeYaml)], path => RecipeFile.Load(path).Validate()),
        new("recipe.json", ".json", true, [Utf8(RecipeJson)], path => RecipeFile.Load(path).Validate()),
        new("mindspore.cfg", ".cfg", true, [Utf8(MindSporeCfg)], path => RecipeFile.Load(path).Validate()),
        new("bolt-clip.json", ".json", true, [Utf8(BoltClip)], path => BoltClipTableReader.Load(path)),
        new("stats.json", ".json", true, [Utf8(statsJson)], path => StatsFile.Load(path)),
        new("distiller.yaml", ".yaml", true, [Utf8(DistillerYaml)], path => DistillerStatsReader.Load(path)),
    ];

    /// <summary>Reads every sample of <paramref name="path"/> as calibration data for <paramref name="input"/>.</summary>
    private static void Drain(ModelInputInfo input, string path)
    {
        var source = CalibrationSources.Create([input], [path]);
        foreach (var sample in source)
            GC.KeepAlive(sample);
    }

    private static float[] Values(int seed, int count = 3 * 8 * 8)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static byte[] Npy(int seed, int version = 1, int batch = 1) =>
        NpyWriter.Bytes("<f4", [batch, 3, 8, 8], NpyWriter.Floats(Values(seed, batch * 3 * 8 * 8)), version);

    private static byte[] Npz(bool deflate)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry("X.npy", deflate ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using var entryStream = entry.Open();
            entryStream.Write(Npy(7));
        }
        return stream.ToArray();
    }

    private static byte[] Idx(bool gzip)
    {
        var bytes = new byte[16 + 3 * 64];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 3);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 8);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 8);
        new Random(11).NextBytes(bytes.AsSpan(16));
        if (!gzip)
            return bytes;
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(bytes);
        return output.ToArray();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private const string RecipeYaml = """
        act-bits: 8
        weight-bits: 8
        method: kl
        granularity: per-channel
        skip: [conv1, "fc.*"]
        mean: [123.675, 116.28, 103.53]
        std: [58.395, 57.12, 57.375]
        resize-short: 256
        crop: [224, 224]
        overrides:
          "conv.*": {weight-bits: 4, method: minmax}
          defaults: &d {act-bits: 8}
        """;

    private const string RecipeJson = """
        {"act-bits": 8, "method": "percentile", "percentile": 99.99, "skip": ["conv1"],
         "mean": [104, 117, 123], "color": "BGR", "overrides": {"conv.*": {"weight-bits": 4}}, }
        """;

    private const string MindSporeCfg = """
        [common_quant_param]
        quant_type=FULL_QUANT
        bit_num=8
        skip_quant_node=conv1, fc

        [full_quant_param]
        activation_quant_method=REMOVAL_OUTLIER
        bias_correction=false
        per_channel=false

        [data_preprocess_param]
        calibrate_path=input:/data/calib
        calibrate_size=100
        input_type=IMAGE
        image_to_format=BGR
        normalize_mean=[127.5, 127.5, 127.5]
        normalize_std=[127.5, 127.5, 127.5]
        resize_width=256
        resize_height=240
        resize_method=CUBIC
        center_crop_width=224
        center_crop_height=220
        """;

    private const string BoltClip = """
        {
          "conv1": {"inputs": {"data": 2.5}, "weights": {"conv1_w": 0.75}, "outputs": {"conv1_out": 6}},
          "fc": {"inputs": {"pool": 10}}
        }
        """;

    private const string DistillerYaml = Calibration.StatsFileTests.DistillerYaml;
}
