using System.Diagnostics;
using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Statistics;

namespace Ptq.Bench;

/// <summary>
/// Issue #3's calibration targets on SqueezeNet: histogram (KL) calibration time against plain ORT inference of the same
/// preloaded images in the same process, and peak memory of streaming calibration over 100 vs 400 images, each in a
/// fresh child process. Run: <c>dotnet run -c Release --project bench/Ptq.Bench -- calibration</c>.
/// </summary>
internal static class CalibrationRun
{
    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "calibration-memory")
            return Memory(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        using var model = ModelIO.Load(BenchAssets.Model("squeezenet1.1.onnx"));
        var prepared = ModelPreparation.Prepare(model).Model;
        var feeds = SqueezeNetData.Stream(prepared, 100).ToList();
        var kl = new StatisticsOptions { Kinds = RangeEstimators.Create(CalibrationMethod.Kl).RequiredStatistics, HistogramBins = 2048 };
        var kinds = Environment.GetEnvironmentVariable("PTQ_BENCH_ALL") is null
            ? QuantizeNeeds(prepared, kl.Kinds)
            : FloatTensors(prepared, feeds[0]).ToDictionary(t => t, _ => kl.Kinds);
        var tensors = kinds.Keys.ToList();
        Func<string, StatisticsOptions> options = t => kl with { Kinds = kinds[t] };
        var plainRunner = new RunnerOptions();
        var runner = plainRunner with { IntraOpSpinning = false }; // as CalibrationRunner sets it

        ObserverCost(prepared, tensors, feeds, options, runner);
        double inference = 0, calibration = 0;
        for (int round = 0; round < 3; round++) // interleaved rounds so drift hits both
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
            if (round > 0) { inference += i; calibration += c; } // round 1 warms up
        }
        Console.WriteLine($"| squeezenet, 100 images, {tensors.Count} tensors | inference {inference / 2:F2} s | KL calibration {calibration / 2:F2} s | ratio {calibration / inference:F2} |");

        long[] peaks = [.. new[] { 100, 400 }.Select(ChildPeak)];
        Console.WriteLine($"| peak working set | 100 images {peaks[0] / 1048576.0:F0} MiB | 400 images {peaks[1] / 1048576.0:F0} MiB | growth {(peaks[1] - peaks[0]) * 100.0 / peaks[0]:F1} % |");
        return 0;
    }

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

    /// <summary>
    /// What quantize observes with the default recipe: estimator statistics (here KL's histogram) for the calibrated
    /// activations (Relu outputs, not the Conv outputs fused before them; Concat outputs, not their inputs that share the
    /// scale) and channel means for the inputs bias correction reads.
    /// </summary>
    private static Dictionary<string, StatisticKinds> QuantizeNeeds(OnnxModel prepared, StatisticKinds method)
    {
        var graph = Ptq.Graph.OnnxGraph.FromModel(prepared, promoteConstants: false);
        var plan = Ptq.Quantization.QuantizationPlanner.Plan(graph, perChannelWeights: true);
        var int8 = plan.Int8Nodes;
        Ptq.Passes.ActivationFusion.Apply(graph, (p, a) => int8.Contains(p) && int8.Contains(a));
        plan = Ptq.Quantization.QuantizationPlanner.Plan(graph, perChannelWeights: true);
        var kinds = plan.CalibratedTensors.ToDictionary(t => t, _ => method);
        foreach (string t in Ptq.Tuning.BiasCorrection.MeasuredInputs(plan))
            kinds[t] = kinds.GetValueOrDefault(t) | StatisticKinds.ChannelMeans;
        return kinds;
    }

    private static IReadOnlyList<string> FloatTensors(OnnxModel model, IReadOnlyDictionary<string, TensorValue> sample) =>
        [.. TensorTypeProbe.Probe(model, sample).Where(t => t.Value.DataType == (int)TensorProto.Types.DataType.Float).Select(t => t.Key).Order(StringComparer.Ordinal)];

    /// <summary>Streams <paramref name="count"/> images from disk through a full calibration (all statistics) and prints the peak working set.</summary>
    private static int Memory(int count)
    {
        using var model = ModelIO.Load(BenchAssets.Model("squeezenet1.1.onnx"));
        var stats = CalibrationJob.Run(model, SqueezeNetData.Stream(model, count), count, new CalibrationSettings { HistogramBins = 2048 });
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"{stats.Samples} {process.PeakWorkingSet64}");
        return 0;
    }

    private static long ChildPeak(int count)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        foreach (string arg in Environment.GetCommandLineArgs().Skip(1).Where(a => a.EndsWith(".dll", StringComparison.Ordinal)))
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add("calibration-memory");
        start.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        var parts = output.Split(' ');
        return long.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
