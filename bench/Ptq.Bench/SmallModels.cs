using System.Diagnostics;
using System.Globalization;
using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Pipeline.Reconstruction;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Bench;

/// <summary>
/// <see cref="ReconstructionRun"/>'s configurations on the CIFAR-10 CNN (calibrated on every 10th of the 3000 shared test
/// images, compared with fp32 on all 3000) and the MNIST CNN (first 200 test images, compared on all 10000), the splits
/// <c>LowBitReconstructionTests</c> asserts floors on, so a setting found on SqueezeNet can be checked on other models
/// without changing a default. Reconstruction samples are spread over the calibration images apart from the 32 check
/// samples, as <c>ptq quantize</c> takes them.
/// </summary>
internal static class SmallModels
{
    public static int Run(string name, IEnumerable<string> configurations, Func<Dictionary<string, string>, StaticQuantizationSettings> settingsOf)
    {
        bool cifar = name == "cifar10";
        using var model = ModelIO.Load(BenchAssets.Model(cifar ? "cifar10-cnn.onnx" : "mnist-cnn.onnx"));
        var inputs = ModelInputs.Of(model);
        string folder = cifar ? BenchAssets.Get("cifar10", "test") : BenchAssets.Get("mnist", "t10k-images-idx3-ubyte.gz");
        var options = cifar ? new DataSourceOptions { Preprocessing = new ImagePreprocessing(mean: [127.5f], std: [127.5f]), Recursive = true } : new DataSourceOptions();
        IEnumerable<CalibrationSample> All() => CalibrationSources.Create(inputs, [folder], options);
        var calibration = (cifar ? All().Where((_, i) => i % 10 == 0) : All().Take(200))
            .Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var labels = cifar ? LabelSources.Parse("subdirs", folder) : LabelSources.Parse(BenchAssets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null);
        Console.WriteLine($"{name}: {calibration.Count} calibration samples");
        Console.WriteLine("| configuration | top-1 % (fp32) | agreement % | cosine | wall s |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (string configuration in configurations)
        {
            var o = configuration.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            var settings = settingsOf(o);
            int n = settings.Reconstruction.Samples;
            var reconstruction = CalibrationSplit.OutsidePositions(calibration.Count, n, 32).Select(p => calibration[p]).ToList();
            var clock = Stopwatch.StartNew();
            var input = new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings())
            {
                Spreader = k => CalibrationInput.FromSamples.SpreadOver(reconstruction, k),
            };
            var result = o.GetValueOrDefault("mode") == "weight-only"
                ? WeightOnlyQuantizer.Quantize(model, settings, samples: reconstruction)
                : StaticQuantizer.Quantize(model, settings, input);
            double wall = clock.Elapsed.TotalSeconds;
            var report = Evaluator.Evaluate(result.Model, model, All(), labels, new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 2 });
            var c = report.Comparison!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {configuration} | {report.Accuracy!.Top1Percent:F2} ({report.ReferenceAccuracy!.Top1Percent:F2}) | {c.AgreementPercent:F2} | {c.MeanCosine:F5} | {wall:F1} |"));
        }
        return 0;
    }
}
