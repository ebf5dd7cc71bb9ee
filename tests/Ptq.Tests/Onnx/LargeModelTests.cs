using System.Diagnostics;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;
using Ptq.Tests.Onnx.Large;
using Xunit.Abstractions;

namespace Ptq.Tests.Onnx;

/// <summary>Memory measurements need the process to themselves.</summary>
[CollectionDefinition(nameof(LargeModelCollection), DisableParallelization = true)]
public sealed class LargeModelCollection;

/// <summary>
/// Models whose weights live in external data: saved, reloaded lazily (weights stay on disk), read back, saved again
/// and run in ORT with results checked bit for bit against a hand computation.
/// </summary>
[Collection(nameof(LargeModelCollection))]
public class LargeModelTests(ITestOutputHelper output)
{
    private const int Alignment = 64;
    private const int Seed = 20240611;

    /// <summary>CI size: 3 × 22.4 MB of weights, written with ExternalDataMode.Always.</summary>
    [Fact]
    public void ExternalData_64MB_RoundTripsLazilyAndRunsBitIdentical()
    {
        const int k = 1024, n = 5462;
        using var temp = new TempDirectory();
        var proto = SyntheticModel.Build(k, n, Seed);
        var always = new ModelSaveOptions { ExternalData = ExternalDataMode.Always };
        string path = temp.File("model.onnx");
        Dictionary<string, TensorValue> inMemoryOutputs;
        var feeds = Feeds(k, hot: 517);
        using (var inMemory = new OnnxModel(proto))
        {
            ModelIO.Save(inMemory, path, always);
            using var runner = new OrtRunner(inMemory);
            inMemoryOutputs = runner.Run(feeds);
        }
        long weightBytes = SyntheticModel.WeightBytes(k, n);

        var (model, allocatedBytes) = LoadMeasured(path);
        using (model)
        {
            output.WriteLine($"weights {weightBytes} B, load allocated {allocatedBytes} B");
            Assert.True(allocatedBytes < 2 << 20, $"loading allocated {allocatedBytes} bytes for {weightBytes} bytes of external weights");
            AssertExternalAndAligned(model, k, n);
            Assert.Equal(new FileInfo(temp.File("model.onnx.data")).Length, LastTensorEnd(model));
            AssertWeightMatchesPattern(model, "W2", weight: 1);

            string again = temp.File("again.onnx");
            ModelIO.Save(model, again, always with { ExternalDataFileName = "again.onnx.data" });
            using var reloaded = ModelIO.Load(again);
            AssertSameExceptLocation(model.Proto, reloaded.Proto);
            Assert.Equal(File.ReadAllBytes(temp.File("model.onnx.data")), File.ReadAllBytes(temp.File("again.onnx.data")));

            using var runner = new OrtRunner(reloaded);
            var outputs = runner.Run(feeds);
            Assert.Equal(inMemoryOutputs["Y"].Raw, outputs["Y"].Raw);
            Assert.Equal(SyntheticModel.Expected(n, Seed, 517), outputs["Y"].ToFloats());
        }

        // Deterministic: the same model saved twice (same file name, two folders) gives byte-identical files.
        using var source = ModelIO.Load(path);
        string[] folders = [Directory.CreateDirectory(temp.File("a")).FullName, Directory.CreateDirectory(temp.File("b")).FullName];
        foreach (string folder in folders)
            ModelIO.Save(source, Path.Combine(folder, "m.onnx"), always);
        foreach (string file in new[] { "m.onnx", "m.onnx.data" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(folders[0], file)), File.ReadAllBytes(Path.Combine(folders[1], file)));
        Assert.Equal(File.ReadAllBytes(temp.File("model.onnx.data")), File.ReadAllBytes(Path.Combine(folders[0], "m.onnx.data")));
    }

    /// <summary>Over protobuf's 2 GiB limit: 3 × 750 MB of weights; Auto mode must write external data.</summary>
    [LongFact("builds and writes a 2.25 GB model several times")]
    public void ExternalData_Over2GiB_AutoGoesExternalLoadsLazilyAndRuns()
    {
        const int k = 1024, n = 183_000;
        using var temp = new TempDirectory();
        string path = temp.File("big.onnx");
        long weightBytes = SyntheticModel.WeightBytes(k, n);
        Assert.True(weightBytes > ModelIO.ProtobufLimitBytes);
        var clock = Stopwatch.StartNew();
        using (var built = new OnnxModel(SyntheticModel.Build(k, n, Seed)))
            ModelIO.Save(built, path); // Auto
        output.WriteLine($"built and saved {weightBytes} B in {clock.Elapsed.TotalSeconds:F1} s");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long workingSetBefore = Environment.WorkingSet;

        var (model, allocatedBytes) = LoadMeasured(path);
        using (model)
        {
            long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            long workingSetGrowth = Environment.WorkingSet - workingSetBefore;
            output.WriteLine($"load: allocated {allocatedBytes} B, heap +{heapGrowth} B, working set +{workingSetGrowth} B");
            Assert.True(allocatedBytes < 2 << 20, $"loading allocated {allocatedBytes} bytes");
            Assert.True(heapGrowth < 16 << 20, $"heap grew by {heapGrowth} bytes while loading");
            Assert.True(workingSetGrowth < 256 << 20, $"working set grew by {workingSetGrowth} bytes while loading");
            Assert.True(new FileInfo(path).Length < 1 << 20);
            AssertExternalAndAligned(model, k, n);
            AssertWeightMatchesPattern(model, "W3", weight: 2);

            clock.Restart();
            string again = temp.File("again.onnx");
            ModelIO.Save(model, again);
            using var reloaded = ModelIO.Load(again);
            AssertSameExceptLocation(model.Proto, reloaded.Proto);
            output.WriteLine($"second round trip in {clock.Elapsed.TotalSeconds:F1} s");

            clock.Restart();
            using var runner = new OrtRunner(reloaded, new RunnerOptions { IntraOpThreads = 2 });
            var y = runner.Run(Feeds(k, hot: 1001))["Y"];
            output.WriteLine($"ORT session and run in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(SyntheticModel.Expected(n, Seed, 1001), y.ToFloats());
        }
    }

    private static Dictionary<string, TensorValue> Feeds(int k, int hot) =>
        new() { ["X"] = TensorValue.FromFloats([1, k], SyntheticModel.OneHot(k, hot)) };

    private static (OnnxModel Model, long AllocatedBytes) LoadMeasured(string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var model = ModelIO.Load(path);
        return (model, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void AssertExternalAndAligned(OnnxModel model, int k, int n)
    {
        var weights = model.Proto.Graph.Initializer;
        Assert.Equal(SyntheticModel.WeightNames, weights.Select(t => t.Name));
        foreach (var tensor in weights)
        {
            Assert.True(ExternalDataInfo.IsExternal(tensor), $"'{tensor.Name}' is not EXTERNAL");
            Assert.True(tensor.RawData.IsEmpty);
            var info = ExternalDataInfo.Parse(tensor);
            Assert.Equal(0, info.Offset % Alignment);
            Assert.Equal((long)k * n * sizeof(float), info.Length);
        }
    }

    private static long LastTensorEnd(OnnxModel model) =>
        model.Proto.Graph.Initializer.Select(ExternalDataInfo.Parse).Max(i => i.Offset + i.Length!.Value);

    private static void AssertWeightMatchesPattern(OnnxModel model, string name, int weight)
    {
        float[] values = model.ReadFloats(model.Proto.Graph.Initializer.Single(t => t.Name == name));
        var expected = new float[values.Length];
        SyntheticModel.Fill(expected, Seed, weight, 0);
        Assert.True(values.AsSpan().SequenceEqual(expected), $"'{name}' read back differs from what was written");
    }

    /// <summary>Equal models apart from the data file name each tensor points at.</summary>
    private static void AssertSameExceptLocation(ModelProto a, ModelProto b)
    {
        var copy = b.Clone();
        foreach (var (ta, tb) in a.Graph.Initializer.Zip(copy.Graph.Initializer))
        {
            foreach (var (ea, eb) in ta.ExternalData.Zip(tb.ExternalData))
                if (ea.Key == "location") eb.Value = ea.Value;
        }
        Assert.Equal(a, copy);
    }
}
