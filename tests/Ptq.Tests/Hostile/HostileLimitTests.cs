using Ptq.IO;
using System.Text;
using Ptq.Calibration;
using Ptq.Data;
using Ptq.Data.Readers;
using Ptq.Evaluation.Text;
using Ptq.Onnx;
using Ptq.Recipes;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Hostile;

/// <summary>Every limit of <see cref="ResourceLimits"/> at its value (accepted) and one past it (refused with a message naming it).</summary>
public sealed class HostileLimitTests
{
    [Theory]
    [InlineData(64, 0)] // the 8×8 images have exactly 64 pixels
    [InlineData(63, 2)]
    public void MaxImagePixels_AtAndPastTheLimit(long limit, int exitCode)
    {
        using var space = new HostileWorkspace(samples: 0);
        string images = Path.Combine(space.Root, "images");
        HostileWorkspace.WriteImages(images, 2);

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(images)} --max-image-pixels {limit} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(exitCode, result.ExitCode);
        if (exitCode == 2)
        {
            Assert.Contains("img0.png' declares 8x8 = 64 pixels, over the limit of 63", result.Error);
            space.AssertOut();
        }
    }

    [Fact]
    public void MaxImagePixels_DefaultIsPillowsDecompressionBombLimit()
    {
        Assert.Equal(2 * 89_478_485L, ResourceLimits.MaxImagePixels);
        Assert.Equal(ResourceLimits.MaxImagePixels, DataSourceOptions.Default.MaxImagePixels);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataSourceOptions { MaxImagePixels = 0 });
    }

    [Fact]
    public void YamlNodes_AtAndPastTheLimit()
    {
        // A mapping, its key, a sequence and n scalars: n + 3 nodes.
        static string Document(int nodes) => "k: [" + string.Join(",", Enumerable.Repeat("1", nodes - 3)) + "]\n";
        Assert.Null(YamlBudget.Problem(Document(ResourceLimits.MaxDocumentNodes)));
        Assert.Equal("line 1: more than 1,000,000 nodes once aliases are expanded (an alias bomb?)",
            YamlBudget.Problem(Document(ResourceLimits.MaxDocumentNodes + 1)));
    }

    [Fact]
    public void YamlAliases_AtAndPastTheLimit()
    {
        static string Document(int aliases) => "a: &a x\nb: [" + string.Join(",", Enumerable.Repeat("*a", aliases)) + "]\n";
        Assert.Null(YamlBudget.Problem(Document(ResourceLimits.MaxYamlAliases)));
        Assert.Equal("line 2: more than 1000 aliases", YamlBudget.Problem(Document(ResourceLimits.MaxYamlAliases + 1)));
    }

    [Fact]
    public void YamlNesting_AtAndPastTheLimit()
    {
        // The root mapping is one level; the sequences the rest.
        Assert.Null(YamlBudget.Problem(CraftedFiles.YamlNested(ResourceLimits.MaxNestingDepth - 1)));
        // SharpYaml's parser enforces the same depth itself (64), so the refusal is its syntax error.
        foreach (int depth in new[] { ResourceLimits.MaxNestingDepth, 100_000 })
        {
            var ex = Assert.Throws<RecipeException>(() => RecipeYamlReader.Parse(CraftedFiles.YamlNested(depth), "deep.yaml"));
            Assert.Matches("^deep.yaml: line 1: (not valid YAML: .*maximum nesting depth of 64|nesting deeper than 64 levels\\.$)", ex.Message);
        }
    }

    [Fact]
    public void JsonNesting_AtAndPastTheLimit()
    {
        var atLimit = Assert.Throws<RecipeException>(() => RecipeJsonReader.Parse(CraftedFiles.JsonNested(ResourceLimits.MaxNestingDepth - 1), "deep.json"));
        Assert.DoesNotContain("depth", atLimit.Message); // parsed; refused by the binder for its value
        var past = Assert.Throws<RecipeException>(() => RecipeJsonReader.Parse(CraftedFiles.JsonNested(ResourceLimits.MaxNestingDepth), "deep.json"));
        Assert.Contains("maximum configured depth of 64", past.Message);
        Assert.Contains(ResourceLimits.MaxNestingDepth.ToString(System.Globalization.CultureInfo.InvariantCulture), past.Message);
    }

    [Fact]
    public void ConfigFileBytes_AtAndPastTheLimit()
    {
        using var temp = new TempDirectory();
        string atLimit = temp.File("at.json"), past = temp.File("past.json");
        Sparse(atLimit, ResourceLimits.MaxConfigFileBytes);
        Sparse(past, ResourceLimits.MaxConfigFileBytes + 1);

        var read = Assert.Throws<RecipeException>(() => BoltClipTableReader.Load(atLimit));
        Assert.Contains("not valid JSON", read.Message); // read in full, then refused for its content
        var refused = Assert.Throws<RecipeException>(() => BoltClipTableReader.Load(past));
        Assert.Equal($"--clip-table {past}: cannot be read: '{past}' is 67,108,865 bytes, over the limit of 67,108,864 bytes for this kind of file", refused.Message);
        string pastRecipe = temp.File("past.yaml");
        Sparse(pastRecipe, ResourceLimits.MaxConfigFileBytes + 1);
        var recipe = Assert.Throws<RecipeException>(() => RecipeFile.Load(pastRecipe));
        Assert.Contains("over the limit of 67,108,864 bytes", recipe.Message);
    }

    [Fact]
    public void StatsFileBytes_PastTheLimit()
    {
        using var temp = new TempDirectory();
        string past = temp.File("stats.json");
        Sparse(past, ResourceLimits.MaxStatsFileBytes + 1);
        var ex = Assert.Throws<StatsFileException>(() => StatsFile.Load(past));
        Assert.Contains("is 1,073,741,825 bytes, over the limit of 1,073,741,824 bytes", ex.Message);
    }

    [Fact]
    public void TextFileBytes_PastTheLimit_IsRefusedUnread()
    {
        using var temp = new TempDirectory();
        string past = temp.File("test.txt");
        Sparse(past, ResourceLimits.MaxTextFileBytes + 1);
        string vocab = temp.File("vocab.json");
        File.WriteAllText(vocab, "{\"vocab\": [\"<unk>\", \"a\"], \"context\": 4}");
        var ex = Assert.Throws<DataSourceException>(() => TextWindowSource.Open(past, vocab, [new ModelInputInfo("ids", InputElementType.Int64, [1, 4])]));
        Assert.Contains("is 268,435,457 bytes, over the limit of 268,435,456 bytes", ex.Message);
    }

    [LongFact("reads a 1 GiB statistics file")]
    public void StatsFileBytes_AtTheLimit_IsRead()
    {
        using var temp = new TempDirectory();
        string atLimit = temp.File("stats.json");
        Sparse(atLimit, ResourceLimits.MaxStatsFileBytes);
        var ex = Assert.Throws<StatsFileException>(() => StatsFile.Load(atLimit));
        Assert.DoesNotContain("over the limit", ex.Message);
    }

    [Theory]
    [InlineData(ResourceLimits.MaxNpyHeaderBytes, true)]
    [InlineData(ResourceLimits.MaxNpyHeaderBytes + 1, false)]
    public void NpyHeaderBytes_AtAndPastTheLimit(int headerBytes, bool accepted)
    {
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
        string header = dict.PadRight(headerBytes - 1) + "\n";
        var bytes = new MemoryStream();
        bytes.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0]);
        bytes.Write(BitConverter.GetBytes((uint)header.Length));
        bytes.Write(Encoding.ASCII.GetBytes(header));
        bytes.Write(new byte[8]);
        bytes.Position = 0;

        if (accepted)
            Assert.Equal([2], NpyHeader.Read(bytes, "a.npy").Shape);
        else
            Assert.Equal("'a.npy': .npy header claims 10,001 bytes, over the limit of 10,000 (numpy's own).",
                Assert.Throws<CorruptFileException>(() => NpyHeader.Read(bytes, "a.npy")).Message);
    }

    [Fact]
    public void InlineModelBytes_PastTheLimit_IsRefusedUnread()
    {
        using var temp = new TempDirectory();
        string path = temp.File("huge.onnx");
        Sparse(path, ResourceLimits.MaxInlineModelBytes);
        var ex = Assert.Throws<OnnxFormatException>(() => ModelIO.Load(path));
        Assert.Contains("an ONNX protobuf file must be under 2 GiB", ex.Message);
        // At the limit less one byte the file is parsed (and here refused for its zeros): covered by LargeModelTests.
    }

    private static void Sparse(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.CreateNew);
        stream.SetLength(length);
    }
}
