using System.Diagnostics;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Bench;

/// <summary>
/// Issue #4's latency table: SqueezeNet fp32 vs int8 (default recipe, 100 calibration images) at batch 1 with 1 and 2
/// intra-op threads, and cifar10-cnn at batch 1 and 32, runs interleaved fp32/int8 so machine drift cancels; plus sizes.
/// Int8 is timed in both output formats, QDQ and QOperator (<c>--format qoperator</c>, issue #13).
/// Run: <c>dotnet run -c Release --project bench/Ptq.Bench -- latency</c>.
/// </summary>
internal static class LatencyRun
{
    private const int Runs = 300;

    public static int Run()
    {
        using var squeezenet = ModelIO.Load(BenchAssets.Model("squeezenet1.1.onnx"));
        var calibration = SqueezeNetData.Stream(squeezenet, 100).ToList();
        var quantized = StaticQuantizer.Quantize(squeezenet, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings())).Model;
        Console.WriteLine("| model | batch | threads | fp32 median ms | QDQ median ms | QOperator median ms | QDQ speed-up | QOperator speed-up |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (int threads in new[] { 1, 2 })
            Row("squeezenet1.1", squeezenet, quantized, calibration[0], 1, threads);

        using var cifar = ModelIO.Load(BenchAssets.Model("cifar10-cnn.onnx"));
        var random = new Random(3);
        IReadOnlyDictionary<string, TensorValue> Feed(int batch) => new Dictionary<string, TensorValue>
        {
            ["modelInput"] = TensorValue.FromFloats([batch, 3, 32, 32], Enumerable.Range(0, batch * 3072).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray()),
        };
        var cifarCalibration = Enumerable.Range(0, 64).Select(_ => Feed(1)).ToList();
        var cifarInt8 = StaticQuantizer.Quantize(cifar, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(cifarCalibration, 64, new CalibrationSettings())).Model;
        foreach (int batch in new[] { 1, 32 })
            Row("cifar10-cnn", cifar, cifarInt8, Feed(batch), batch, 1);

        Console.WriteLine($"| sizes | squeezenet {ModelIO.ToBytes(squeezenet).Length:N0} -> {ModelIO.ToBytes(quantized).Length:N0} bytes | cifar10 {ModelIO.ToBytes(cifar).Length:N0} -> {ModelIO.ToBytes(cifarInt8).Length:N0} bytes |");
        return 0;
    }

    private static void Row(string name, OnnxModel fp32, OnnxModel int8, IReadOnlyDictionary<string, TensorValue> feed, int batch, int threads)
    {
        var options = new RunnerOptions { IntraOpThreads = threads };
        using var qoperator = Passes.QOperatorConverter.Convert(int8).Model;
        OrtRunner[] runners = [new(fp32, options), new(int8, options), new(qoperator, options)];
        try
        {
            foreach (var runner in runners)
                for (int i = 0; i < 20; i++)
                    runner.Run(feed);
            var times = runners.Select(_ => new List<double>(Runs)).ToArray();
            for (int i = 0; i < Runs; i++)
            {
                // Rotate which model goes first so none always runs on a warmer cache.
                for (int k = 0; k < runners.Length; k++)
                {
                    int m = (i + k) % runners.Length;
                    times[m].Add(Time(runners[m], feed));
                }
            }
            double ma = Median(times[0]), mb = Median(times[1]), mc = Median(times[2]);
            Console.WriteLine($"| {name} | {batch} | {threads} | {ma:F3} | {mb:F3} | {mc:F3} | {ma / mb:F2}x | {ma / mc:F2}x |");
        }
        finally
        {
            foreach (var runner in runners)
                runner.Dispose();
        }
    }

    private static double Time(OrtRunner runner, IReadOnlyDictionary<string, TensorValue> feed)
    {
        long start = Stopwatch.GetTimestamp();
        runner.Run(feed);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
