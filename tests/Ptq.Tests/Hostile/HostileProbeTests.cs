using System.IO.Compression;
using Google.Protobuf;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Tests.Data;
using SkiaSharp;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Hostile;

/// <summary>
/// One representative per category of the 137 hostile cases the probe found handled well (issue #15), so they stay
/// handled: external-data paths, overflowing dims, truncated and random files, npy/npz bombs, nesting, huge
/// attributes, corrupt images, config and stats edge cases, full disks, concurrent writers, determinism. Signals,
/// read-only outputs and resource limits have their own classes; the model fuzzer covers random damage in bulk.
/// </summary>
public sealed class HostileProbeTests
{
    private static string Quantize(HostileWorkspace space, string extra = "", string? data = null) =>
        $"ptq quantize {Quote(space.ModelPath)} --data {Quote(data ?? space.DataDir)} {extra} -o {Quote(space.Out("q.onnx"))}";

    [Theory]
    [InlineData("../outside/secret.bin", "points outside the model folder")]
    [InlineData("ABSOLUTE", "is absolute; ONNX requires a path relative to the model file")]
    [InlineData("sub/../../outside/secret.bin", "points outside the model folder")]
    public void ExternalDataPathsLeavingTheModelFolder_AreRefused(string location, string reason)
    {
        using var space = new HostileWorkspace();
        var proto = TestModels.ConvReluAdd();
        var w = proto.Graph.Initializer.Single(t => t.Name == "W");
        w.RawData = ByteString.Empty;
        w.FloatData.Clear();
        new ExternalDataInfo(location == "ABSOLUTE" ? space.SecretPath : location, 0, null).ApplyTo(w);
        File.WriteAllBytes(space.ModelPath, proto.ToByteArray());
        space.Snapshot();

        var (result, _) = HostileRun.InProcess(Quantize(space));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tensor 'W': external data location", result.Error);
        Assert.Contains(reason, result.Error);
        space.AssertOut();
        space.AssertNothingWrittenOutsideOut();
    }

    [Fact]
    public void OverflowingDims_AreRefusedBeforeAnyAllocation()
    {
        using var space = new HostileWorkspace();
        var proto = TestModels.ConvReluAdd();
        var w = proto.Graph.Initializer.Single(t => t.Name == "W");
        w.Dims.Clear();
        w.Dims.AddRange([1L << 40, 1L << 40, 1L << 40]);
        File.WriteAllBytes(space.ModelPath, proto.ToByteArray());

        var (result, elapsed) = HostileRun.InProcess($"ptq inspect {Quote(space.ModelPath)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'W'", result.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("random")]
    public void TruncatedAndRandomModels_AreRefusedAsNotOnnx(string kind)
    {
        using var space = new HostileWorkspace();
        byte[] bytes = File.ReadAllBytes(space.ModelPath);
        if (kind == "random")
            new Random(5).NextBytes(bytes);
        File.WriteAllBytes(space.ModelPath, kind == "truncated" ? bytes[..(bytes.Length / 2)] : bytes);

        var (result, _) = HostileRun.InProcess(Quantize(space));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model.onnx' is not", result.Error);
        space.AssertOut();
    }

    [Fact]
    public void NpyDeclaringABillionSamples_IsRefusedWhenTheDataRunsOut()
    {
        using var space = new HostileWorkspace(samples: 0);
        File.WriteAllBytes(Path.Combine(space.DataDir, "bomb.npy"), NpyWriter.Bytes("<f4", [1_000_000_000, 3, 8, 8], new byte[4 * 3 * 64]));

        var (result, elapsed) = HostileRun.InProcess(Quantize(space));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bomb.npy", result.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed.TotalSeconds:F1} s");
        space.AssertOut();
    }

    [Fact]
    public void NpzWhoseEntryInflatesFarBeyondItsDeclaredShape_ReadsOnlyTheDeclaredSamples()
    {
        using var space = new HostileWorkspace(samples: 0);
        // 64 MiB of zeros deflate to ~64 KiB; the header declares 2 samples, so only 1.5 KiB is ever inflated.
        using (var zip = ZipFile.Open(Path.Combine(space.DataDir, "bomb.npz"), ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("X.npy", CompressionLevel.SmallestSize).Open();
            entry.Write(NpyWriter.Bytes("<f4", [2, 3, 8, 8], new byte[64 << 20]));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();

        var (result, _) = HostileRun.InProcess(Quantize(space));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("quantized:", result.Out);
        space.AssertOut("q.onnx", "quant_param.csv");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32 << 20);
    }

    [Fact]
    public void DeeplyNestedSubgraphs_AreRefusedNotAStackOverflow()
    {
        using var space = new HostileWorkspace();
        var graph = new GraphProto { Name = "leaf" };
        for (int depth = 0; depth < 200; depth++)
        {
            var node = new NodeProto { OpType = "If", Name = $"if{depth}" };
            node.Input.Add("cond");
            node.Output.Add("y");
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = graph });
            graph = new GraphProto { Name = $"g{depth}" };
            graph.Node.Add(node);
        }
        var proto = TestModels.ConvReluAdd();
        proto.Graph.Node.Add(graph.Node[0]);
        File.WriteAllBytes(space.ModelPath, proto.ToByteArray());

        var (result, _) = HostileRun.InProcess($"ptq inspect {Quote(space.ModelPath)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model.onnx' is not", result.Error);
    }

    [Fact]
    public void LargeStringAttribute_IsInspected()
    {
        using var space = new HostileWorkspace();
        var proto = TestModels.ConvReluAdd();
        proto.Graph.Node.Single(n => n.Name == "relu").Attribute.Add(
            new AttributeProto { Name = "note", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(new byte[16 << 20]) });
        File.WriteAllBytes(space.ModelPath, proto.ToByteArray());

        var (result, _) = HostileRun.InProcess($"ptq inspect {Quote(space.ModelPath)} --json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"Relu\"", result.Out);
    }

    [Fact]
    public void TruncatedJpeg_IsCorrupt_AndSkippedWithSkipCorrupt()
    {
        using var space = new HostileWorkspace(samples: 0);
        string images = Path.Combine(space.Root, "images");
        HostileWorkspace.WriteImages(images, 2, SKEncodedImageFormat.Jpeg);
        byte[] jpeg = HostileWorkspace.Image(9, SKEncodedImageFormat.Jpeg);
        File.WriteAllBytes(Path.Combine(images, "cut.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllBytes(Path.Combine(images, "text.png"), "not an image"u8.ToArray());

        var (failed, _) = HostileRun.InProcess(Quantize(space, data: images));
        var (skipped, _) = HostileRun.InProcess(Quantize(space, "--skip-corrupt", images));

        Assert.Equal(2, failed.ExitCode);
        Assert.Contains("cut.jpg", failed.Error);
        Assert.Equal(0, skipped.ExitCode);
        Assert.Contains("skipped 2 unreadable files", skipped.Error);
    }

    [Theory]
    [InlineData("recipe.yaml", "act-bits: 99\n", "act-bits")]
    [InlineData("recipe.yaml", "- just\n- a list\n", "mapping")]
    [InlineData("recipe.json", "{\"method\": ", "not valid JSON")]
    [InlineData("recipe.cfg", "[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\nbit_num=4\n", "bit_num")]
    [InlineData("recipe.toml", "a = 1\n", "unknown recipe format")]
    public void BadRecipes_AreRefusedNamingFileAndKey(string file, string text, string keyWord)
    {
        using var space = new HostileWorkspace();
        string recipe = Path.Combine(space.Root, file);
        File.WriteAllText(recipe, text);

        var (result, _) = HostileRun.InProcess(Quantize(space, $"--recipe {Quote(recipe)}"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(keyWord, result.Error);
        space.AssertOut();
    }

    [Fact]
    public void EmptyRecipe_IsTheDefaultRecipe()
    {
        using var space = new HostileWorkspace();
        string recipe = Path.Combine(space.Root, "empty.yaml");
        File.WriteAllText(recipe, "");

        var (result, _) = HostileRun.InProcess(Quantize(space, $"--recipe {Quote(recipe)}"));

        Assert.Equal(0, result.ExitCode);
        space.AssertOut("q.onnx", "quant_param.csv");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"samples\": -5, \"tensors\": {}}")]
    [InlineData("[1, 2, 3]")]
    public void BrokenStatsFiles_AreRefused(string json)
    {
        using var space = new HostileWorkspace();
        string stats = Path.Combine(space.Root, "stats.json");
        File.WriteAllText(stats, json);

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --stats {Quote(stats)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("stats", result.Error, StringComparison.OrdinalIgnoreCase);
        space.AssertOut();
    }

    [MountFact]
    public void FullDisk_FailsWithBadInput_AndLeavesNothing()
    {
        using var space = new HostileWorkspace();
        using var disk = new TmpfsMount(Path.Combine(space.Root, "full"), 8);
        string output = Path.Combine(disk.Path, "mnist.int8.onnx");

        var (result, _) = HostileRun.InProcess(
            $"ptq quantize {Quote(Assets.Model("mnist-cnn.onnx"))} --data {Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"))} --calib-size 8 -o {Quote(output)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("No space left on device", result.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(disk.Path));
    }

    [Fact]
    public async Task ConcurrentWritersToOneOutput_LeaveOneCompleteModelAndNoTemporaryFiles()
    {
        using var space = new HostileWorkspace();
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Run(Quantize(space)))));

        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        space.AssertOut("q.onnx", "quant_param.csv");
        using var model = ModelIO.Load(space.Out("q.onnx"));
        Assert.Contains(model.Proto.Graph.Node, n => n.OpType == "QuantizeLinear");
    }

    [Fact]
    public void OutputIsByteIdenticalAcrossRunsAndProcessorCounts()
    {
        using var space = new HostileWorkspace();
        Assert.Equal(0, Run(Quantize(space)).ExitCode);
        byte[] first = File.ReadAllBytes(space.Out("q.onnx"));
        string firstCsv = File.ReadAllText(space.Out("quant_param.csv"));
        Assert.Equal(0, Run(Quantize(space)).ExitCode);
        Assert.Equal(first, File.ReadAllBytes(space.Out("q.onnx")));

        string single = space.Out("single.onnx");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "exec", HostileRun.CliDll, "quantize", space.ModelPath, "--data", space.DataDir, "-o", single })
            info.ArgumentList.Add(arg);
        info.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
        using var child = System.Diagnostics.Process.Start(info)!;
        string error = child.StandardError.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, error);
        Assert.Equal(first, File.ReadAllBytes(single));
        Assert.Equal(firstCsv, File.ReadAllText(space.Out("quant_param.csv")));
    }
}
