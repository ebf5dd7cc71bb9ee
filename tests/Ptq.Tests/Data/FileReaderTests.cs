using System.IO.Compression;
using Ptq.Data;

namespace Ptq.Tests.Data;

public class FileReaderTests
{
    private static readonly ModelInputInfo Small = new("x", InputElementType.Float32, [1, 3, 2, 2]);
    private static readonly float[] Twelve = Enumerable.Range(0, 12).Select(i => i * 0.5f - 1).ToArray();

    private static ICalibrationSource Source(ModelInputInfo input, string path, DataSourceOptions? o = null) =>
        CalibrationSources.Create([input], [path], o);

    private static List<CalibrationSample> All(ICalibrationSource s) => s.ToList();

    [Fact]
    public void Npy_round_trip_v1_and_v2()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a.npy"), NpyWriter.Bytes("<f4", [1, 3, 2, 2], NpyWriter.Floats(Twelve)));
        File.WriteAllBytes(dir.File("b.npy"), NpyWriter.Bytes("<f4", [1, 3, 2, 2], NpyWriter.Floats(Twelve.Reverse().ToArray()), version: 2));
        var samples = All(Source(Small, dir.Path));
        Assert.Equal(2, samples.Count);
        Assert.Equal(Twelve, (float[])samples[0]["x"].Data);
        Assert.Equal(Twelve.Reverse(), (float[])samples[1]["x"].Data);
        Assert.Equal(new[] { 1, 3, 2, 2 }, samples[1]["x"].Dims);
        Assert.Equal("a.npy", samples[0].SourceName);
    }

    [Fact]
    public void Npy_float64_converts_and_missing_batch_dim_is_added()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a.npy"), NpyWriter.Bytes("<f8", [3, 2, 2], NpyWriter.Doubles(Twelve.Select(f => (double)f).ToArray())));
        InputTensor t = All(Source(Small, dir.File("a.npy")))[0]["x"];
        Assert.Equal(new[] { 1, 3, 2, 2 }, t.Dims);
        Assert.Equal(Twelve, (float[])t.Data);
    }

    [Fact]
    public void Npy_leading_batch_splits_for_static_batch_one_but_not_for_dynamic_batch()
    {
        using var dir = new TempDir();
        float[] values = Enumerable.Range(0, 48).Select(i => (float)i).ToArray();
        File.WriteAllBytes(dir.File("a.npy"), NpyWriter.Bytes("<f4", [4, 3, 2, 2], NpyWriter.Floats(values)));
        var split = Source(Small, dir.Path);
        Assert.Equal(4, split.Count);
        var s = All(split);
        Assert.Equal(values[24..36], (float[])s[2]["x"].Data);
        Assert.Equal("a.npy[2]", s[2].SourceName);

        var dynamic = Source(Small with { Shape = [null, 3, 2, 2] }, dir.Path);
        Assert.Equal(1, dynamic.Count);
        Assert.Equal(new[] { 4, 3, 2, 2 }, All(dynamic)[0]["x"].Dims);
    }

    [Fact]
    public void Npy_bad_files_name_the_file_and_the_problem()
    {
        using var dir = new TempDir();
        string f = dir.File("fortran.npy");
        File.WriteAllBytes(f, NpyWriter.Bytes("<f4", [1, 3, 2, 2], NpyWriter.Floats(Twelve), fortran: true));
        var e = Assert.Throws<CorruptFileException>(() => Source(Small, f));
        Assert.Contains("fortran.npy", e.Message);
        Assert.Contains("Fortran", e.Message);

        string o = dir.File("object.npy");
        File.WriteAllBytes(o, NpyWriter.Bytes("|O", [1], new byte[8]));
        Assert.Contains("object.npy", Assert.Throws<CorruptFileException>(() => Source(Small, o)).Message);

        string dtype = dir.File("dtype.npy");
        File.WriteAllBytes(dtype, NpyWriter.Bytes("<f4", [1, 2], NpyWriter.Floats(1, 2)));
        var de = Assert.Throws<DataSourceException>(() => Source(new ModelInputInfo("ids", InputElementType.Int64, [1, 2]), dtype));
        Assert.Contains("dtype.npy", de.Message);
        Assert.Contains("Float32", de.Message);
        Assert.Contains("Int64", de.Message);

        string shape = dir.File("shape.npy");
        File.WriteAllBytes(shape, NpyWriter.Bytes("<f4", [1, 3, 4, 1], NpyWriter.Floats(Twelve)));
        var se = Assert.Throws<DataSourceException>(() => Source(Small, shape));
        Assert.Contains("shape.npy", se.Message);
        Assert.Contains("[1,3,4,1]", se.Message);
        Assert.Contains("[1,3,2,2]", se.Message);
    }

    [Fact]
    public void Npz_feeds_two_inputs_by_entry_name()
    {
        using var dir = new TempDir();
        ModelInputInfo a = new("a", InputElementType.Float32, [1, 2]), b = new("b", InputElementType.Int64, []);
        for (int i = 0; i < 2; i++)
        {
            using var zip = ZipFile.Open(dir.File($"s{i}.npz"), ZipArchiveMode.Create);
            using (var w = zip.CreateEntry("b.npy").Open()) w.Write(NpyWriter.Bytes("<i8", [], NpyWriter.Longs(16000 + i)));
            using (var w = zip.CreateEntry("a.npy", CompressionLevel.Optimal).Open()) w.Write(NpyWriter.Bytes("<f4", [1, 2], NpyWriter.Floats(i, -i)));
        }
        var samples = CalibrationSources.Create([a, b], [dir.Path]).ToList();
        Assert.Equal(2, samples.Count);
        Assert.Equal(new float[] { 1, -1 }, (float[])samples[1]["a"].Data);
        Assert.Equal(new long[] { 16001 }, (long[])samples[1]["b"].Data);
        Assert.Empty(samples[1]["b"].Dims);

        var e = Assert.Throws<DataSourceException>(() => CalibrationSources.Create([a, b with { Name = "sr" }], [dir.Path]));
        Assert.Contains("'sr'", e.Message);
        Assert.Contains("s0.npz", e.Message);
    }

    [Fact]
    public void Bin_reads_float32_and_reports_size_mismatch()
    {
        using var dir = new TempDir();
        var input = new ModelInputInfo("x", InputElementType.Float32, [1, 2, 2]);
        File.WriteAllBytes(dir.File("0.bin"), NpyWriter.Floats(1, 2, 3, 4));
        Assert.Equal(new float[] { 1, 2, 3, 4 }, (float[])All(Source(input, dir.Path))[0]["x"].Data);

        File.WriteAllBytes(dir.File("1.bin"), NpyWriter.Floats(1, 2, 3));
        var e = Assert.Throws<DataSourceException>(() => All(Source(input, dir.Path)));
        Assert.Contains("1.bin", e.Message);
        Assert.Contains("12 bytes", e.Message);
        Assert.Contains("16 bytes", e.Message);
    }

    [Fact]
    public void Bin_dynamic_dims_need_a_shape_and_model_dtype_is_optional()
    {
        using var dir = new TempDir();
        var input = new ModelInputInfo("ids", InputElementType.Int64, [null, -1]);
        File.WriteAllBytes(dir.File("0.bin"), NpyWriter.Longs(5, 6, 7));
        var e = Assert.Throws<DataSourceException>(() => Source(input, dir.Path));
        Assert.Contains("'ids'", e.Message);
        var o = new DataSourceOptions { Shapes = new Dictionary<string, long[]> { ["ids"] = [1, 3] }, BinUsesModelElementType = true };
        InputTensor t = All(Source(input, dir.Path, o))[0]["ids"];
        Assert.Equal(new long[] { 5, 6, 7 }, (long[])t.Data);
        Assert.Equal(new[] { 1, 3 }, t.Dims);
    }

    [Fact]
    public void Txt_reads_one_float_per_line_and_counts()
    {
        using var dir = new TempDir();
        var input = new ModelInputInfo("x", InputElementType.Float32, [1, 1, 2, 2]);
        File.WriteAllText(dir.File("a.txt"), "1\n2.5\n-3e-1\n4\n");
        Assert.Equal(new[] { 1f, 2.5f, -0.3f, 4f }, (float[])All(Source(input, dir.Path))[0]["x"].Data);
        File.WriteAllText(dir.File("b.txt"), "1 2 3");
        var e = Assert.Throws<DataSourceException>(() => All(Source(input, dir.Path)));
        Assert.Contains("b.txt", e.Message);
        Assert.Contains("3 values", e.Message);
        Assert.Contains("needs 4", e.Message);
    }
}
