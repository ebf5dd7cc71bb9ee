using System.Diagnostics;
using System.Globalization;
using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Statistics;

namespace Ptq.Bench;

/// <summary>
/// Issue #3's calibration targets on SqueezeNet: histogram (KL) calibration time against plain ORT inference of the same
/// preloaded images in the same process, and peak memory of streaming calibration over 100 images, the same 100 streamed
/// four times, and 400 distinct images, each in a fresh child process. Run: <c>dotnet run -c Release --project bench/Ptq.Bench -- calibration</c>.
/// </summary>
internal static class CalibrationRun
{
    public static int Run(string[] args)
    {
        if (args.Length == 3 && args[0] == "calibration-memory")
            return Memory(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
        using var model = ModelIO.Load(BenchAssets.Model("squeezenet1.1.onnx"));
        var feeds = SqueezeNetData.Stream(model, 100).ToList();
        // What quantize observes with the default recipe and KL ranges: the request of the quantization's own plan.
        var calibration = new CalibrationSettings { Method = CalibrationMethod.Kl, HistogramBins = 2048 };
        var settings = new StaticQuantizationSettings();
        var draft = StaticQuantizer.Draft(StaticQuantizer.Prepare(model, settings, new CalibrationInput.FromSamples(feeds, feeds.Count, calibration)), settings, calibration);
        var prepared = draft.Model;
        var kl = calibration.StatisticsOptions();
        var kinds = Environment.GetEnvironmentVariable("PTQ_BENCH_ALL") is null
            ? new Dictionary<string, StatisticKinds>(draft.Request)
            : FloatTensors(prepared, feeds[0]).ToDictionary(t => t, _ => kl.Kinds);
        var tensors = kinds.Keys.ToList();
        Func<string, StatisticsOptions> options = t => kl with { Kinds = kinds[t] };
        var plainRunner = new RunnerOptions();
        var runner = plainRunner with { IntraOpSpinning = false }; // as CalibrationRunner sets it

        ObserverCost(prepared, tensors, feeds, options, runner);
        var ratios = new List<double>();
        for (int round = 0; round < 7; round++) // interleaved rounds so drift hits both; round 1 warms up
        {
            var clock = Stopwatch.StartNew();
            using (var plain = new OrtRunner(prepared, plainRunner))
                foreach (var feed in feeds)
                    plain.Run(feed);
            double i = clock.Elapsed.TotalSeconds;
            clock.Restart();
            using (var exposed = OrtRunner.WithOutputs(prepared, tensors, runner))
                foreach (var feed in feeds)
                    exposed.RunBorrowed(feed, tensors).Dispose();
            double e = clock.Elapsed.TotalSeconds;
            clock.Restart();
            StatisticsCollector.Collect(prepared, tensors, options, feeds, feeds.Count, runner);
            double c = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"round {round + 1}: inference {i:F2} s, tensors exposed (read in place) {e:F2} s, KL calibration of {tensors.Count} tensors {c:F2} s, ratio {c / i:F2}");
            if (round > 0)
                ratios.Add(c / i);
        }
        ratios.Sort();
        Console.WriteLine($"| squeezenet, 100 images, {tensors.Count} tensors | median ratio calibration / inference {ratios[ratios.Count / 2]:F2} (range {ratios[0]:F2}-{ratios[^1]:F2}) |");

        // The peak moves by ±15 % between identical runs (how many samples' outputs are alive when the GC runs), so each
        // figure is the median of three child processes.
        if (Environment.GetEnvironmentVariable("PTQ_BENCH_NO_MEMORY") is not null)
            return 0;
        long once = MedianPeak(100, 1), repeated = MedianPeak(100, 4), distinct = MedianPeak(400, 1);
        Console.WriteLine($"| peak working set | 100 images {once / 1048576.0:F0} MiB | the same 100 streamed 4x {repeated / 1048576.0:F0} MiB ({Growth(once, repeated)}) | 400 distinct images {distinct / 1048576.0:F0} MiB ({Growth(once, distinct)}) |");
        return 0;
    }

    private static string Growth(long a, long b) => $"{(b - a) * 100.0 / a:+0.0;-0.0} %";

    /// <summary>Single-threaded cost of the observers alone, on the 100 images' activations held in memory.</summary>
    private static void ObserverCost(OnnxModel prepared, IReadOnlyList<string> tensors, List<IReadOnlyDictionary<string, TensorValue>> feeds,
        Func<string, StatisticsOptions> options, RunnerOptions runner)
    {
        List<Dictionary<string, TensorValue>> outputs;
        using (var exposed = OrtRunner.WithOutputs(prepared, tensors, runner))
            outputs = [.. feeds.Select(f => exposed.Run(f, tensors))];
        long bytes = outputs[0].Values.Sum(v => v.Raw!.LongLength);
        for (int round = 0; round < 2; round++)
        {
            var statistics = tensors.Select(t => new TensorStatistics(t, options(t))).ToList();
            var clock = Stopwatch.StartNew();
            foreach (var sample in outputs)
                foreach (var s in statistics)
                    s.Observe(sample[s.TensorName].AsFloatSpan(), [.. sample[s.TensorName].Shape.Select(d => (int)d)]);
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"observers alone, 1 thread: {seconds:F2} s for 100 images x {bytes / 1e6:F1} MB ({bytes * 100 / seconds / 1e9:F2} GB/s)");
        }
        var clock2 = Stopwatch.StartNew();
        foreach (var sample in outputs)
            foreach (var t in tensors)
                Ptq.Statistics.Kernels.FiniteGuard.FiniteRange(sample[t].AsFloatSpan(), t);
        Console.WriteLine($"  of which min/max pass: {clock2.Elapsed.TotalSeconds:F2} s");
    }

    private static IReadOnlyList<string> FloatTensors(OnnxModel model, IReadOnlyDictionary<string, TensorValue> sample) =>
        [.. TensorTypeProbe.Probe(model, sample).Where(t => t.Value.DataType == (int)TensorProto.Types.DataType.Float).Select(t => t.Key).Order(StringComparer.Ordinal)];

    /// <summary>Streams <paramref name="count"/> images from disk through a full calibration (all statistics) and prints the peak working set.</summary>
    private static int Memory(int count, int repeats)
    {
        using var model = ModelIO.Load(BenchAssets.Model("squeezenet1.1.onnx"));
        var samples = Enumerable.Range(0, repeats).SelectMany(_ => SqueezeNetData.Stream(model, count));
        var stats = CalibrationJob.Run(model, samples, count * repeats, new CalibrationSettings { HistogramBins = 2048 });
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var gc = GC.GetGCMemoryInfo();
        Console.Error.WriteLine($"samples {stats.Samples}: final working set {process.WorkingSet64 >> 20} MiB, GC heap {gc.HeapSizeBytes >> 20} MiB, GC committed {gc.TotalCommittedBytes >> 20} MiB, allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, gen2 GCs {GC.CollectionCount(2)}");
        Console.WriteLine($"{stats.Samples} {process.PeakWorkingSet64}");
        return 0;
    }

    private static long MedianPeak(int count, int repeats) =>
        Enumerable.Range(0, 3).Select(_ => ChildPeak(count, repeats)).Order().ElementAt(1);

    private static long ChildPeak(int count, int repeats)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") // run as 'dotnet Ptq.Bench.dll'
            start.ArgumentList.Add(typeof(CalibrationRun).Assembly.Location);
        start.ArgumentList.Add("calibration-memory");
        start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(repeats.ToString(CultureInfo.InvariantCulture));
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        var parts = output.Split(' ');
        return long.Parse(parts[^1], CultureInfo.InvariantCulture);
    }
}
