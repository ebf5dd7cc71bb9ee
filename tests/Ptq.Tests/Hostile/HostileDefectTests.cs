using Google.Protobuf;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using SkiaSharp;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Hostile;

/// <summary>
/// The eleven defects of the hostile-input probe (issue #15), each as the probe found it: exit code, the message's key
/// words, nothing written outside <c>out/</c>, no partial output. Before the fixes each of these failed (exit 0 with
/// the wrong result, a crash, a hang or exit 3).
/// </summary>
public sealed class HostileDefectTests
{
    /// <summary>The ConvReluAdd model saved with its weight W (432 bytes) in <c>model.onnx.data</c>.</summary>
    private static HostileWorkspace ExternalWorkspace()
    {
        var space = new HostileWorkspace();
        using (var model = ModelIO.Load(TestModels.ConvReluAdd().ToByteArray()))
            ModelIO.Save(model, space.ModelPath, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalMinBytes = 64 });
        space.Snapshot();
        return space;
    }

    private static string DataFile(HostileWorkspace space) => Path.Combine(space.ModelDir, "model.onnx.data");

    [LinuxFact]
    public void D1_SymlinkedExternalDataFile_IsRefused_AndTheSecretIsNeverRead()
    {
        using var space = ExternalWorkspace();
        File.Delete(DataFile(space));
        File.CreateSymbolicLink(DataFile(space), space.SecretPath);
        space.Snapshot();

        var (inspect, _) = HostileRun.InProcess($"ptq inspect {Quote(space.ModelPath)}");
        var (quantize, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(space.Out("q.onnx"))}");

        foreach (var result in new[] { inspect, quantize })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("tensor 'W': external data location 'model.onnx.data' resolves through a symbolic link to", result.Error);
            Assert.Contains("outside the model folder", result.Error);
            Assert.DoesNotContain("TOP-SECRET", result.Out + result.Error);
        }
        space.AssertOut();
        space.AssertNothingWrittenOutsideOut();
    }

    [LinuxFact]
    public void D1_SymlinkedSubfolder_IsRefused_UnlessExternalDataRootAllowsIt()
    {
        using var space = ExternalWorkspace();
        // Move the weights outside and reach them through model/sub -> ../outside.
        File.Move(DataFile(space), Path.Combine(space.OutsideDir, "w.bin"));
        File.CreateSymbolicLink(Path.Combine(space.ModelDir, "sub"), space.OutsideDir);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(space.ModelPath));
        proto.Graph.Initializer.Single(t => t.Name == "W").ExternalData.Single(e => e.Key == "location").Value = "sub/w.bin";
        Ptq.Tests.Onnx.TestModels.WriteRaw(proto, space.ModelPath);
        space.Snapshot();

        var (refused, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(space.Out("q.onnx"))}");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("external data location 'sub/w.bin' resolves through a symbolic link", refused.Error);
        space.AssertOut();

        var (allowed, _) = HostileRun.InProcess(
            $"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} --external-data-root {Quote(space.Root)} -o {Quote(space.Out("q.onnx"))}");
        Assert.Equal(0, allowed.ExitCode);
        space.AssertOut("q.onnx", "quant_param.csv");
        space.AssertNothingWrittenOutsideOut();
    }

    [Fact]
    public void D2_PngDeclaringTenGigapixels_IsRefusedFromItsHeader_EvenWithSkipCorrupt()
    {
        using var space = new HostileWorkspace(samples: 0);
        string images = Path.Combine(space.Root, "images");
        HostileWorkspace.WriteImages(images, 3);
        File.WriteAllBytes(Path.Combine(images, "bomb.png"), CraftedFiles.PngDeclaring(100_000, 100_000));
        space.Snapshot();

        var (refused, elapsed) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(images)} -o {Quote(space.Out("q.onnx"))}");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("bomb.png' declares 100000x100000 = 10,000,000,000 pixels, over the limit of 178,956,970", refused.Error);
        Assert.Contains("--max-image-pixels", refused.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed.TotalSeconds:F1} s");
        space.AssertOut();

        var (skipped, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(images)} --skip-corrupt -o {Quote(space.Out("q.onnx"))}");
        Assert.Equal(0, skipped.ExitCode);
        Assert.Contains("skipped 1 unreadable files", skipped.Error);
        space.AssertOut("q.onnx", "quant_param.csv");
        space.AssertNothingWrittenOutsideOut();
    }

    [Fact]
    public void D3_YamlAliasBomb_IsRefusedBeforeItExpands_EvenUnderAnUnknownKey()
    {
        using var space = new HostileWorkspace();
        string recipe = Path.Combine(space.Root, "bomb.yaml");
        File.WriteAllText(recipe, CraftedFiles.YamlAliasBomb());
        space.Snapshot();

        var (result, elapsed) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} --recipe {Quote(recipe)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bomb.yaml: line 7: more than 1,000,000 nodes once aliases are expanded (an alias bomb?)", result.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed.TotalSeconds:F1} s");
        space.AssertOut();
        space.AssertNothingWrittenOutsideOut();
    }

    [LinuxFact]
    public void D4_FifoAsExternalData_IsRefusedWithoutOpeningIt()
    {
        using var space = ExternalWorkspace();
        File.Delete(DataFile(space));
        Assert.Equal(0, HostileRun.Tool("mkfifo", DataFile(space)));
        space.Snapshot();

        var (inspect, elapsed) = HostileRun.InProcess($"ptq inspect {Quote(space.ModelPath)}", limitSeconds: 20);
        var (quantize, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(space.Out("q.onnx"))}", limitSeconds: 20);

        foreach (var result in new[] { inspect, quantize })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("tensor 'W': external data file", result.Error);
            Assert.Contains("is empty or not a regular file (FIFO, device or socket)", result.Error);
        }
        Assert.True(elapsed < TimeSpan.FromSeconds(10));
        space.AssertOut();
        space.AssertNothingWrittenOutsideOut();
    }

    [LinuxFact]
    public void D4_FifoAsModelOrDataFile_IsRefusedWithoutOpeningIt()
    {
        using var space = new HostileWorkspace();
        string fifoModel = Path.Combine(space.ModelDir, "fifo.onnx");
        Assert.Equal(0, HostileRun.Tool("mkfifo", fifoModel));
        Assert.Equal(0, HostileRun.Tool("mkfifo", Path.Combine(space.DataDir, "s9.npy")));
        space.Snapshot();

        var (model, _) = HostileRun.InProcess($"ptq inspect {Quote(fifoModel)}", limitSeconds: 20);
        var (data, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(space.Out("q.onnx"))}", limitSeconds: 20);

        Assert.Equal(2, model.ExitCode);
        Assert.Contains("fifo.onnx' is empty or not a regular file", model.Error);
        Assert.Equal(2, data.ExitCode);
        Assert.Contains("s9.npy' is empty or not a regular file", data.Error);
        space.AssertOut();
    }

    [Fact]
    public void D5_JpegDeclaring65000Squared_IsRefusedInUnderASecondOfWork()
    {
        using var space = new HostileWorkspace(samples: 0);
        string images = Path.Combine(space.Root, "images");
        HostileWorkspace.WriteImages(images, 2, SKEncodedImageFormat.Jpeg);
        File.WriteAllBytes(Path.Combine(images, "bomb.jpg"), CraftedFiles.JpegDeclaring(65000, 65000));
        space.Snapshot();

        var (result, elapsed) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(images)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bomb.jpg' declares 65000x65000 = 4,225,000,000 pixels, over the limit", result.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed.TotalSeconds:F1} s");
        space.AssertOut();
        space.AssertNothingWrittenOutsideOut();
    }

    [Fact]
    public void D6_StatsFromAnotherModel_AreRefusedWithTheClosestNames()
    {
        using var space = new HostileWorkspace();
        string stats = space.Out("stats.json");
        Assert.Equal(0, Run($"ptq calibrate {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(stats)}").ExitCode);
        // Another model: the same graph with every value renamed.
        var other = TestModels.ConvReluAdd();
        foreach (var node in other.Graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++)
                node.Output[i] = "other_" + node.Output[i];
            for (int i = 0; i < node.Input.Count; i++)
                node.Input[i] = node.Input[i] is "W" or "B" ? node.Input[i] : "other_" + node.Input[i];
        }
        other.Graph.Input[0].Name = "other_X";
        other.Graph.Output[0].Name = "other_Y";
        string otherModel = Path.Combine(space.ModelDir, "other.onnx");
        File.WriteAllBytes(otherModel, other.ToByteArray());
        space.Snapshot();

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(otherModel)} --stats {Quote(stats)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tensors in the statistics are not values of this model (e.g. '", result.Error);
        Assert.Contains("closest model values:", result.Error);
        Assert.Contains("collected on another model", result.Error);
        Assert.DoesNotContain("0 activations", result.Out);
        space.AssertOut("stats.json");
    }

    [Fact]
    public void D7_CsvThatCannotBeWritten_LeavesNoNewModel()
    {
        using var space = new HostileWorkspace();
        Directory.CreateDirectory(space.Out("quant_param.csv")); // the CSV's place is taken by a folder
        space.Snapshot();

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("quant_param.csv", result.Error);
        space.AssertOut("quant_param.csv"); // the folder only: no q.onnx, no temporary files
        Assert.Empty(Directory.EnumerateFileSystemEntries(space.Out("quant_param.csv")));
        space.AssertNothingWrittenOutsideOut();
    }

    [LinuxFact]
    public void D8_RecursiveListingThroughASymlinkLoop_IsRefused()
    {
        using var space = new HostileWorkspace();
        Directory.CreateSymbolicLink(Path.Combine(space.DataDir, "self"), ".");
        space.Snapshot();

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} --recursive -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("self' is the folder", result.Error);
        Assert.Contains("a symbolic link loop", result.Error);
        space.AssertOut();
        space.AssertNothingWrittenOutsideOut();
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void D9_NonFiniteCalibrationData_IsBadInputNamingFileAndInput(float poison, string shown)
    {
        using var space = new HostileWorkspace();
        space.WriteSample("s2.npy", 2, poison);
        space.Snapshot();

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"'s2.npy' (in '{space.DataDir}'): input 'X' holds {shown} at element 37; calibration data must be finite", result.Error);
        Assert.DoesNotContain("bug", result.Error);
        space.AssertOut();
    }

    [Fact]
    public void D10_BacktrackingSkipRegex_FailsAfterItsTimeoutNamingPatternAndNode()
    {
        var model = TestModels.ConvReluAdd();
        string name = new string('a', 40) + "!";
        model.Graph.Node.Single(n => n.Name == "relu").Name = name;
        using var space = new HostileWorkspace(model);

        var (result, elapsed) = HostileRun.InProcess(
            $"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} --skip \"(a+)+$\" -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--skip '(a+)+$' took more than 1 s to match node 'aaaa", result.Error);
        Assert.Contains("catastrophic backtracking", result.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed.TotalSeconds:F1} s");
        space.AssertOut();
    }

    [Theory]
    [InlineData("recipe.json", "{\"method\": \"kl\", \"act-bits\": 8, \"method\": \"minmax\"}")]
    [InlineData("recipe.yaml", "overrides:\n  conv: {weight-bits: 4, weight-bits: 8}\n")]
    public void D11_DuplicateRecipeKeys_AreRefused(string file, string text)
    {
        using var space = new HostileWorkspace();
        string recipe = Path.Combine(space.Root, file);
        File.WriteAllText(recipe, text);

        var (result, _) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} --recipe {Quote(recipe)} -o {Quote(space.Out("q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Error.Contains("appears twice", StringComparison.Ordinal) || result.Error.Contains("uplicate", StringComparison.Ordinal), result.Error);
        space.AssertOut();
    }

    [MountFact]
    public void AlsoNoticed_ReadOnlyOutputFolder_IsRefusedBeforeCalibration()
    {
        using var space = new HostileWorkspace();
        using var mount = new TmpfsMount(Path.Combine(space.Root, "ro"), 64, readOnly: true);
        space.Snapshot();

        var (result, elapsed) = HostileRun.InProcess($"ptq quantize {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(Path.Combine(mount.Path, "q.onnx"))}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not writable", result.Error);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed.TotalSeconds:F1} s");
        Assert.Empty(Directory.EnumerateFileSystemEntries(mount.Path));
    }
}
