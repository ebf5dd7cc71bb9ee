using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Ptq.Tests.Onnx.Fuzz;
using SkiaSharp;
using Xunit.Abstractions;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Hostile.Fuzz;

/// <summary>
/// Seeded damage to every parser Ptq owns (the ONNX loader has its own, <see cref="Onnx.ModelFuzzTests"/>): each
/// damaged file must parse or be refused with a <see cref="PtqException"/>; any other exception, a case running past
/// 10 s or a crashed process fails the test. Image files are decoded by native code, so they run in child
/// <c>ptq</c> processes where a native crash ends only the child and is counted. 10,200 cases here (plus the model
/// fuzzer's 2,800); PTQ_LONG=1 runs ten times as many.
/// </summary>
public sealed class HostileParserFuzzTests(ITestOutputHelper output)
{
    private const int CasesPerTarget = 825;
    private const int ImageBatches = 6;
    private const int ImagesPerBatch = 50;
    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(10);
    private static int Scale => LongFactAttribute.Enabled ? 10 : 1;

    [Fact]
    public void EveryParser_ParsesDamagedFilesOrRefusesThemWithPtqException()
    {
        using var space = new HostileWorkspace();
        string stats = space.Out("stats.json");
        Assert.Equal(0, Run($"ptq calibrate {Quote(space.ModelPath)} --data {Quote(space.DataDir)} -o {Quote(stats)}").ExitCode);
        var targets = ParserTargets.All(File.ReadAllText(stats));
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        int total = 0;
        var cases = targets.SelectMany(t => Enumerable.Range(0, CasesPerTarget * Scale).Select(i => (Target: t, Index: i))).ToArray();
        total += cases.Length;
        RunWatched(cases.Length, (worker, c) =>
        {
            var (target, i) = cases[c];
            int seed = StableSeed(target.Name, i);
            var (bytes, description) = Mutate(target.Seeds[i % target.Seeds.Count], target.IsText, seed);
            string folder = Path.Combine(space.Root, "cases", $"w{worker}");
            Directory.CreateDirectory(folder);
            string file = Path.Combine(folder, $"{target.Name}-{i}{target.Extension}");
            File.WriteAllBytes(file, bytes);
            var (result, detail) = RunCase(() => target.Parse(file));
            counts.AddOrUpdate($"{target.Name} {result}", 1, (_, n) => n + 1);
            if (result == FuzzResult.Crashed)
                failures.Add($"{target.Name} case {i} (seed {seed}, {description}): {result} {detail}");
            else
                File.Delete(file);
        }, c => $"{cases[c].Target.Name} case {cases[c].Index}", failures);
        total += FuzzImages(space, counts, failures);
        output.WriteLine($"{total} cases in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (key, count) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"  {key}: {count}");

        // One example per kind of failure (target, exception, first Ptq frame), most frequent first.
        var kinds = failures.GroupBy(Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} x {g.Key}\n{g.First()}");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {total} cases crashed or hung:\n{string.Join("\n\n", kinds)}");
        Assert.Equal((CasesPerTarget * targets.Count + ImageBatches * ImagesPerBatch) * Scale, total);
        Assert.True(total >= 10_000 * Scale);
        // Every target must see both outcomes, or its damage is too weak (all parse) or its seeds broken (all refused).
        foreach (var target in targets)
        {
            Assert.True(counts.GetValueOrDefault($"{target.Name} {FuzzResult.Refused}") > 0, $"{target.Name}: nothing refused");
            Assert.True(counts.GetValueOrDefault($"{target.Name} {FuzzResult.Loaded}") > 0, $"{target.Name}: nothing parsed");
        }
    }

    /// <summary>
    /// Damaged PNG, JPEG and BMP files in batches, each batch read by a child <c>ptq calibrate --skip-corrupt</c>
    /// next to two good images: exit 0 (every damaged file decoded or skipped) or 2 (refused) is fine; anything else
    /// (3 for a non-Ptq exception, a signal for a native crash, a kill for a hang) is a failure.
    /// </summary>
    private int FuzzImages(HostileWorkspace space, ConcurrentDictionary<string, int> counts, ConcurrentBag<string> failures)
    {
        byte[][] seeds = [HostileWorkspace.Image(1), HostileWorkspace.Image(2, SKEncodedImageFormat.Jpeg), Bmp(3)];
        string[] extensions = [".png", ".jpg", ".bmp"];
        int batches = ImageBatches * Scale;
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = 2 }, b =>
        {
            string folder = Path.Combine(space.Root, "images", $"batch{b}");
            HostileWorkspace.WriteImages(folder, 2);
            var described = new StringBuilder();
            for (int i = 0; i < ImagesPerBatch; i++)
            {
                int index = b * ImagesPerBatch + i, seed = StableSeed("image", index), kind = index % 3;
                var (bytes, description) = index % 8 == 7
                    ? (CraftedFiles.PngDeclaring((uint)new Random(seed).Next(), (uint)new Random(seed + 1).Next()), "declared size")
                    : Mutate(seeds[kind], isText: false, seed);
                File.WriteAllBytes(Path.Combine(folder, $"fuzz{i:D3}{extensions[kind]}"), bytes);
                described.Append($"fuzz{i:D3}: seed {seed}, {description}\n");
            }
            var (exitCode, error, elapsed) = HostileRun.Child(ImagesPerBatch * PerCaseLimit.TotalSeconds, "calibrate", space.ModelPath,
                "--data", folder, "--skip-corrupt", "--resize", "8,8", "-o", Path.Combine(folder, "stats.json"));
            string outcome = exitCode switch { 0 => "image batch ok", 2 => "image batch refused", _ => "image batch FAILED" };
            counts.AddOrUpdate(outcome, 1, (_, c) => c + 1);
            if (exitCode is not (0 or 2))
                failures.Add($"image batch {b}: exit {exitCode} after {elapsed.TotalSeconds:F1} s: {error}\n{described}");
        });
        return batches * ImagesPerBatch;
    }

    private static string Kind(string failure)
    {
        string target = failure[..failure.IndexOf(' ', StringComparison.Ordinal)];
        string exception = failure.Split("): ", 2)[^1].Split(':', 2)[0];
        string frame = failure.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("at Ptq.", StringComparison.Ordinal) && !l.Contains(".Tests.", StringComparison.Ordinal))?.Trim() ?? "";
        return $"{target} {exception} {frame}";
    }

    private static (byte[] Bytes, string Description) Mutate(byte[] original, bool isText, int seed)
    {
        // Text formats get token-level damage; binary ones alternate byte damage with token damage of their Latin-1
        // text (headers are text in npy, and Latin-1 maps bytes 1:1).
        if (!isText && seed % 2 == 0)
            return ByteMutator.Mutate(original, seed);
        var encoding = isText ? Encoding.UTF8 : Encoding.Latin1;
        var (text, description) = TextMutator.Mutate(encoding.GetString(original), seed);
        return (encoding.GetBytes(text), description);
    }

    private static (FuzzResult, string?) RunCase(Action parse)
    {
        try
        {
            parse();
            return (FuzzResult.Loaded, null);
        }
        catch (PtqException ex) { return (FuzzResult.Refused, ex.GetType().Name); }
        catch (Exception ex) { return (FuzzResult.Crashed, $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}"); }
    }

    /// <summary>
    /// Runs cases 0..<paramref name="count"/> on two worker threads while this thread watches the clock: a case still
    /// running after <see cref="PerCaseLimit"/> is recorded as a hang (by <paramref name="name"/>) and the test stops
    /// waiting for it. No thread per case: cheap enough for 100,000 cases.
    /// </summary>
    private static void RunWatched(int count, Action<int, int> run, Func<int, string> name, ConcurrentBag<string> failures)
    {
        int next = -1;
        var started = new long[2];
        var current = new int[2];
        var workers = Enumerable.Range(0, 2).Select(w => Task.Factory.StartNew(() =>
        {
            for (int c; (c = Interlocked.Increment(ref next)) < count;)
            {
                Volatile.Write(ref current[w], c);
                Volatile.Write(ref started[w], Stopwatch.GetTimestamp());
                run(w, c);
                Volatile.Write(ref started[w], 0);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        while (!Task.WaitAll(workers, TimeSpan.FromMilliseconds(200)))
        {
            for (int w = 0; w < 2; w++)
            {
                long since = Volatile.Read(ref started[w]);
                if (since != 0 && Stopwatch.GetElapsedTime(since) > PerCaseLimit)
                {
                    failures.Add($"{name(Volatile.Read(ref current[w]))}: TimedOut, still running after {PerCaseLimit.TotalSeconds} s");
                    return;
                }
            }
        }
        foreach (var worker in workers)
            worker.GetAwaiter().GetResult(); // a failure of the harness itself
    }

    /// <summary>A 24-bit 8×8 BMP (Skia cannot encode BMP): 54-byte header, bottom-up rows of 24 bytes.</summary>
    private static byte[] Bmp(int seed)
    {
        var bytes = new byte[54 + 8 * 24];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BitConverter.TryWriteBytes(bytes.AsSpan(2), bytes.Length);
        BitConverter.TryWriteBytes(bytes.AsSpan(10), 54);
        BitConverter.TryWriteBytes(bytes.AsSpan(14), 40);
        BitConverter.TryWriteBytes(bytes.AsSpan(18), 8);
        BitConverter.TryWriteBytes(bytes.AsSpan(22), 8);
        BitConverter.TryWriteBytes(bytes.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(bytes.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(bytes.AsSpan(34), 8 * 24);
        new Random(seed).NextBytes(bytes.AsSpan(54));
        return bytes;
    }

    /// <summary>Seed from the target name and case index, identical in every process (unlike string.GetHashCode).</summary>
    private static int StableSeed(string name, int index)
    {
        uint hash = 2166136261;
        foreach (char c in name)
            hash = (hash ^ c) * 16777619;
        return (int)(hash ^ (uint)(index * 7919));
    }
}
