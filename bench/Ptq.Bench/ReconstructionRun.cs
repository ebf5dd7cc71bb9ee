using System.Diagnostics;
using System.Globalization;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Pipeline.Reconstruction;
using Ptq.Quantization.Reconstruction;
using Ptq.Runtime;

namespace Ptq.Bench;

/// <summary>
/// Low-bit accuracy on SqueezeNet (issue #14): quantize with the first 100 ImageNet images, evaluate against fp32 on the
/// other 400 (top-1, agreement, mean output cosine), with wall and CPU time of the quantization and its peak working
/// set. Each argument is one configuration, <c>key=value</c> pairs joined by commas, e.g.
/// <c>dotnet run -c Release --project bench/Ptq.Bench -- reconstruction method=gptq,wbits=4 method=minmax,wbits=4</c>.
/// Keys: mode (full|weight-only), method (minmax|mse|admm|gptq|adaround), wbits, abits, samples, first (reconstruct from the
/// first samples instead of spread ones), overlap (spread over all calibration images, check set included), iterations, actorder, asym, refit, bc, ebc (empirical bias correction), mixed (target
/// cosine of the mixed weight-bit search), damp (GPTQ damping, fraction of the mean diagonal), blend
/// (how far the target moves from W toward W*), tdamp (ridge of the target alone, fraction of the mean diagonal), mix
/// (QDrop-style share of quantized input elements in the fitted objective; 1 = quantized only), edge (weight bits of the
/// first and last weighted layers), wmode (asym_u: asymmetric unsigned weights; sym_full: symmetric without the narrow
/// range), keep8 / four (node patterns whose weights are 8 / 4 bits). A first argument
/// <c>cifar10</c> or <c>mnist</c> runs the same configurations on those models as <c>LowBitReconstructionTests</c> measures
/// them (<see cref="SmallModels"/>).
/// </summary>
internal static class ReconstructionRun
{
    public static int Run(string[] args)
    {
        if (args.Length > 1 && args[1] is "cifar10" or "mnist")
            return SmallModels.Run(args[1], args.Skip(2), Settings);
        using var model = ModelIO.Load(BenchAssets.Model("squeezenet1.1.onnx"));
        var all = SqueezeNetData.Stream(model, 500).ToList();
        var calibration = all.Take(100).ToList();
        var held = all.Skip(100).ToList();
        var labels = SqueezeNetData.Source(model, 500).Skip(100).Select(s => Label(s.SourceName)).ToList();
        var reference = Outputs(model, held);
        // The samples ptq quantize checks its output on (32 spread over the calibration set): a cosine there far above the
        // held-out one means the quantization fitted the calibration images.
        var checks = CalibrationInput.FromSamples.SpreadOver(calibration, 32);
        var checkReference = Outputs(model, checks);
        Console.WriteLine($"fp32 top-1 {Top1(reference, labels):F2} % on {held.Count} held-out images");
        Console.WriteLine("| configuration | top-1 % | agreement % | cosine | check cosine | wall s | CPU s | peak MiB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (string configuration in args.Skip(1))
        {
            var options = configuration.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            var settings = Settings(options);
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var log = options.ContainsKey("log") ? new Progress<string>(Console.Error.WriteLine) : null;
            // As ptq quantize: reconstruction spreads its samples over the calibration images the check set leaves
            // (CalibrationSplit); first=1 takes the first ones, overlap=1 spreads them over all 100.
            int n = settings.Reconstruction.Samples;
            var reconstruction = options.GetValueOrDefault("first") == "1" ? calibration.Take(n).ToList()
                : options.GetValueOrDefault("overlap") == "1" ? CalibrationInput.FromSamples.SpreadOver(calibration, n)
                : [.. CalibrationSplit.OutsidePositions(calibration.Count, n, 32).Select(p => calibration[p])];
            var input = new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings())
            {
                Spreader = n => CalibrationInput.FromSamples.SpreadOver(reconstruction, n),
            };
            // mixed=C: the mixed weight-bit search to output cosine C on 32 calibration samples (as ptq quantize checks).
            var result = options.GetValueOrDefault("mode") == "weight-only"
                ? WeightOnlyQuantizer.Quantize(model, settings, samples: reconstruction, log: log)
                : options.TryGetValue("mixed", out var mixed)
                ? Tuning.MixedWeightBits.Quantize(model, settings, input, CalibrationInput.FromSamples.SpreadOver(calibration, 32),
                    double.Parse(mixed, CultureInfo.InvariantCulture), log: log).Result
                : StaticQuantizer.Quantize(model, settings, input, log);
            double wall = clock.Elapsed.TotalSeconds;
            var weights = result.Tensors.Where(t => t.Kind == "Weight").ToList();
            long low = weights.Where(t => t.Parameters.Scheme.Bits < 8).Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
            long every = weights.Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{configuration}: {100.0 * low / every:F1} % of weights below 8 bits"));
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            var outputs = Outputs(result.Model, held);
            double agreement = 100.0 * outputs.Zip(reference).Count(p => ArgMax(p.First) == ArgMax(p.Second)) / held.Count;
            double cosine = outputs.Zip(reference).Average(p => Cosine(p.First, p.Second));
            double checkCosine = Outputs(result.Model, checks).Zip(checkReference).Average(p => Cosine(p.First, p.Second));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {configuration} | {Top1(outputs, labels):F2} | {agreement:F2} | {cosine:F5} | {checkCosine:F5} | {wall:F1} | {cpuSeconds:F1} | {process.PeakWorkingSet64 / (1 << 20)} |"));
        }
        return 0;
    }

    internal static StaticQuantizationSettings Settings(Dictionary<string, string> o)
    {
        int Int(string key, int fallback) => o.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        bool Bool(string key, bool fallback) => o.TryGetValue(key, out var v) ? v is "1" or "true" : fallback;
        var method = o.GetValueOrDefault("method", "minmax") switch
        {
            "mse" => WeightMethod.Mse,
            "admm" => WeightMethod.Admm,
            "gptq" => WeightMethod.Gptq,
            "adaround" => WeightMethod.AdaRound,
            _ => WeightMethod.MinMax,
        };
        var defaults = new WeightReconstructionSettings();
        return new StaticQuantizationSettings
        {
            Weights = o.GetValueOrDefault("wmode") switch
            {
                "asym_u" => new QuantScheme(Int("wbits", 8), QuantMode.AsymmetricUnsigned),
                "sym_full" => new QuantScheme(Int("wbits", 8), QuantMode.Symmetric),
                _ => QuantScheme.WeightDefault with { Bits = Int("wbits", 8) },
            },
            Activations = QuantScheme.ActivationDefault with { Bits = Int("abits", 8) },
            EdgeWeights = o.ContainsKey("edge") ? QuantScheme.WeightDefault with { Bits = Int("edge", 8) } : null,
            WeightMethod = method,
            BiasCorrection = Bool("bc", true),
            EmpiricalBiasCorrection = Bool("ebc", false),
            Overrides = o.TryGetValue("keep8", out var keep) ? [.. keep.Split('|').Select(p => new NodeOverride { Pattern = p, Weights = QuantScheme.WeightDefault })]
                : o.TryGetValue("four", out var four) ? [.. four.Split('|').Select(p => new NodeOverride { Pattern = p, Weights = QuantScheme.WeightDefault with { Bits = 4 } })]
                : [],
            Reconstruction = defaults with
            {
                Samples = Int("samples", defaults.Samples),
                Iterations = Int("iterations", defaults.Iterations),
                ActOrder = Bool("actorder", defaults.ActOrder),
                Asymmetric = Bool("asym", defaults.Asymmetric),
                RefitBias = Bool("refit", defaults.RefitBias),
                SearchClip = Bool("clip", defaults.SearchClip),
                LearningRate = o.TryGetValue("lr", out var lr) ? float.Parse(lr, CultureInfo.InvariantCulture) : defaults.LearningRate,
                Regularization = o.TryGetValue("lambda", out var l) ? float.Parse(l, CultureInfo.InvariantCulture) : defaults.Regularization,
                Damping = o.TryGetValue("damp", out var damp) ? double.Parse(damp, CultureInfo.InvariantCulture) : defaults.Damping,
                TargetBlend = o.TryGetValue("blend", out var blend) ? double.Parse(blend, CultureInfo.InvariantCulture) : defaults.TargetBlend,
                TargetDamping = o.TryGetValue("tdamp", out var tdamp) ? double.Parse(tdamp, CultureInfo.InvariantCulture) : defaults.TargetDamping,
                QuantizedInputShare = o.TryGetValue("mix", out var mix) ? double.Parse(mix, CultureInfo.InvariantCulture) : defaults.QuantizedInputShare,
                Grid = o.GetValueOrDefault("grid") == "mse" ? WeightMethod.Mse : WeightMethod.MinMax,
            },
        };
    }

    private static List<float[]> Outputs(OnnxModel model, List<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        using var runner = new OrtRunner(model);
        return [.. samples.Select(s => runner.Run(s).Values.First().ToFloats())];
    }

    private static int Label(string sourceName)
    {
        string wnid = Path.GetFileName(sourceName).Split('_')[0];
        return Array.IndexOf(Wnids.Value, wnid);
    }

    private static readonly Lazy<string[]> Wnids = new(() => File.ReadAllLines(BenchAssets.Get("labels", "imagenet_wnids.txt")));

    private static double Top1(List<float[]> outputs, List<int> labels) => 100.0 * outputs.Zip(labels).Count(p => ArgMax(p.First) == p.Second) / labels.Count;

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private static double Cosine(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);
}
