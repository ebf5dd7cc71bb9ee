using System.Collections.Concurrent;
using System.Diagnostics;
using Ptq.Tests.Onnx.Fuzz;
using Xunit.Abstractions;

namespace Ptq.Tests.Onnx;

/// <summary>
/// Byte-level damage to the real asset models (bit flips, truncation, insertion, huge varints, overwrites) must end in
/// a model that loads and serializes, or a <see cref="PtqException"/>; never another exception and never a hang.
/// Seeded: every case is reproducible from its model and index. PTQ_LONG=1 runs ten times as many cases.
/// </summary>
public class ModelFuzzTests(ITestOutputHelper output)
{
    private static readonly (string File, int Cases)[] Plan =
    [
        ("mnist-cnn.onnx", 1500),
        ("cifar10-cnn.onnx", 1000),
        ("silero-vad.onnx", 120),
        ("squeezenet1.1.onnx", 80),
        ("ppocrv4-det.onnx", 60),
        ("ppocrv4-rec.onnx", 40),
    ];

    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public void DamagedModels_LoadOrRaisePtqException()
    {
        int scale = Environment.GetEnvironmentVariable("PTQ_LONG") == "1" ? 10 : 1;
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        using var temp = new TempDirectory(); // structural cases load from files here, so external locations resolve
        File.WriteAllBytes(temp.File("weights.bin"), new byte[4096]);
        int total = 0;
        foreach (var (file, cases) in Plan)
        {
            byte[] original = File.ReadAllBytes(Assets.Model(file));
            var parsed = Ptq.Onnx.Proto.ModelProto.Parser.ParseFrom(original);
            int n = cases * scale;
            total += n;
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                int seed = StableSeed(file, i);
                // One case in four damages the structure (dims, types, external entries, wiring); the rest the bytes.
                var (bytes, description) = i % 4 == 3 ? ProtoMutator.Mutate(parsed, seed) : ByteMutator.Mutate(original, seed);
                var (result, detail) = FuzzCase.Run(bytes, $"{file}#{i}", PerCaseLimit, i % 4 == 3 ? temp.Path : null);
                counts.AddOrUpdate(result.ToString(), 1, (_, c) => c + 1);
                if (result == FuzzResult.Refused)
                    counts.AddOrUpdate(detail!, 1, (_, c) => c + 1);
                if (result is FuzzResult.Crashed or FuzzResult.TimedOut)
                    failures.Add($"{file} case {i} (seed {seed}, {description}): {result} {detail}");
            });
        }
        output.WriteLine($"{total} cases in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (key, count) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"  {key}: {count}");

        Assert.True(failures.IsEmpty, $"{failures.Count} of {total} cases crashed or hung:\n{string.Join("\n\n", failures.Take(10))}");
        Assert.Equal(total, counts.GetValueOrDefault(nameof(FuzzResult.Loaded)) + counts.GetValueOrDefault(nameof(FuzzResult.Refused)));
        Assert.Equal(2800 * scale, total);
        if (scale == 1)
        {
            // Seeded, so the split is fixed; a change means validation accepts or refuses different damage than before.
            Assert.Equal(Pinned.Loaded, counts.GetValueOrDefault(nameof(FuzzResult.Loaded)));
            Assert.Equal(Pinned.Refused, counts.GetValueOrDefault(nameof(FuzzResult.Refused)));
        }
    }

    /// <summary>Seed from the file name and case index, identical in every process (unlike string.GetHashCode).</summary>
    private static int StableSeed(string file, int index)
    {
        uint hash = 2166136261;
        foreach (char c in file)
            hash = (hash ^ c) * 16777619;
        return (int)(hash ^ (uint)(index * 7919));
    }

    private static class Pinned
    {
        public const int Loaded = 1254;
        public const int Refused = 1546;
    }
}
