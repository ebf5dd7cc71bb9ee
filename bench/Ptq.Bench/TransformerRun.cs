using System.Diagnostics;
using Ptq.Data;
using Ptq.Evaluation.Text;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Quantization.Blockwise;
using Ptq.Runtime;

namespace Ptq.Bench;

/// <summary>
/// Issue #16's speed table: ONNX Runtime latency of the small transformers, one intra-op thread, every variant of a model
/// timed in one interleaved loop (the order rotates each round) so machine drift cancels; medians. vit-cifar fp32 vs
/// static W8A8 vs dynamic int8 (int8 weights: u8×s8, VNNI's product; uint8 weights: u8×u8) at batch 1 and 8 on CIFAR-10 test images;
/// char-gpt fp32 vs dynamic int8 vs 4-bit MatMulNBits (block 32, accuracy level 4 and 0, HQQ) on one 128-character
/// window of its test text, with tokens/s = 128 / latency. Prints the load average before and after (the machine is shared).
/// Run: <c>dotnet run -c Release --project bench/Ptq.Bench -- transformers [runs]</c>.
/// </summary>
internal static class TransformerRun
{
    public static int Run(string[] args)
    {
        int runs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
        Console.WriteLine($"load average before: {LoadAverage()}");
        Console.WriteLine("| model | variant | batch | median ms | vs fp32 | tokens/s |");
        Console.WriteLine("|---|---|---|---|---|---|");

        using var vit = ModelIO.Load(BenchAssets.Model("vit-cifar.onnx"));
        var cifar = CalibrationSources.Create(ModelInputs.Of(vit), [BenchAssets.Get("cifar10", "test")], new DataSourceOptions
        {
            Recursive = true,
            Preprocessing = new ImagePreprocessing(color: ColorMode.Rgb, mean: [125.307f, 122.961f, 113.858f], std: [62.985f, 62.093f, 66.708f]),
        });
        // Calibrated as VisionTransformerQuantizationTests does: every 15th test image (20 per class).
        var calibration = cifar.Where((_, i) => i % 15 == 14).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var vitVariants = new (string, OnnxModel)[]
        {
            ("fp32", vit),
            ("static W8A8 (default settings)", StaticQuantizer.Quantize(vit, new StaticQuantizationSettings(),
                new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings())).Model),
            ("dynamic int8, s8 weights (default)", DynamicQuantizer.Quantize(vit, new StaticQuantizationSettings()).Model),
            ("dynamic int8, u8 weights (asym_u)", DynamicQuantizer.Quantize(vit, new StaticQuantizationSettings { Weights = new QuantScheme(8, QuantMode.AsymmetricUnsigned) }).Model),
        };
        var images = cifar.Take(8).ToList();
        foreach (int batch in new[] { 1, 8 })
            Compare("vit-cifar", vitVariants, batch == 1 ? images[0].ToFeeds() : TensorFeeds.Concatenate(images.Take(batch).ToList()), batch, runs, tokens: 0);

        using var gpt = ModelIO.Load(BenchAssets.Model("char-gpt.onnx"));
        var w4 = new StaticQuantizationSettings { Weights = new QuantScheme(4, QuantMode.AsymmetricUnsigned) };
        var gptVariants = new (string, OnnxModel)[]
        {
            ("fp32", gpt),
            ("dynamic int8", DynamicQuantizer.Quantize(gpt, new StaticQuantizationSettings()).Model),
            ("MatMulNBits 4-bit RTN block 32, accuracy level 4", BlockWeightQuantizer.Quantize(gpt, w4, new BlockQuantizationOptions { AccuracyLevel = 4 }).Model),
            ("MatMulNBits 4-bit RTN block 32, accuracy level 0", BlockWeightQuantizer.Quantize(gpt, w4, new BlockQuantizationOptions { AccuracyLevel = 0 }).Model),
            ("MatMulNBits 4-bit HQQ block 32 (float zero points)", BlockWeightQuantizer.Quantize(gpt, w4, new BlockQuantizationOptions { Method = BlockMethod.Hqq }).Model),
        };
        var text = TextWindowSource.Open(BenchAssets.Get("text", "char-gpt.test.txt"), BenchAssets.Model("char-gpt.vocab.json"), ModelInputs.Of(gpt), limit: 1);
        Compare("char-gpt", gptVariants, text.First().ToFeeds(), 1, runs, tokens: text.Context);
        foreach (var (name, model) in gptVariants)
            Console.WriteLine($"| char-gpt size | {name} | | {ModelIO.ToBytes(model).Length:N0} bytes | | |");

        // A decoder MLP of LLM width (1024 → 4096 → 1024, random weights) at one token (decoding) and 128 (prefill).
        using var mlp = new OnnxModel(SyntheticMlp(1024, 4096));
        var mlpVariants = new (string, OnnxModel)[]
        {
            ("fp32", mlp),
            ("MatMulNBits 4-bit RTN block 32, accuracy level 4", BlockWeightQuantizer.Quantize(mlp, w4, new BlockQuantizationOptions { AccuracyLevel = 4 }).Model),
            ("MatMulNBits 4-bit RTN block 32, accuracy level 0", BlockWeightQuantizer.Quantize(mlp, w4, new BlockQuantizationOptions { AccuracyLevel = 0 }).Model),
            ("dynamic int8", DynamicQuantizer.Quantize(mlp, new StaticQuantizationSettings()).Model),
        };
        var random = new Random(1);
        foreach (int tokens in new[] { 1, 128 })
            Compare($"MLP 1024-4096-1024, {tokens} token(s)", mlpVariants,
                new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats([1, tokens, 1024], [.. Enumerable.Range(0, tokens * 1024).Select(_ => (float)random.NextDouble() - 0.5f)]) },
                1, runs, tokens);
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static void Compare(string model, (string Name, OnnxModel Model)[] variants, IReadOnlyDictionary<string, TensorValue> feeds, int batch, int runs, int tokens)
    {
        var options = new RunnerOptions { IntraOpThreads = 1 };
        var runners = variants.Select(v => new OrtRunner(v.Model, options)).ToArray();
        try
        {
            for (int warm = 0; warm < 20; warm++)
                foreach (var r in runners) r.Run(feeds);
            var times = runners.Select(_ => new List<double>(runs)).ToArray();
            for (int i = 0; i < runs; i++)
                for (int j = 0; j < runners.Length; j++)
                {
                    int k = (i + j) % runners.Length; // rotate who goes first
                    long start = Stopwatch.GetTimestamp();
                    runners[k].Run(feeds);
                    times[k].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            double fp32 = Median(times[0]);
            for (int k = 0; k < runners.Length; k++)
            {
                double median = Median(times[k]);
                string perSecond = tokens > 0 ? $"{tokens * batch * 1000 / median:N0}" : "";
                Console.WriteLine($"| {model} | {variants[k].Name} | {batch} | {median:F3} | {fp32 / median:F2}x | {perSecond} |");
            }
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    private static Onnx.Proto.ModelProto SyntheticMlp(int width, int hidden)
    {
        var random = new Random(5);
        float[] Weights(int rows, int cols) => [.. Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() - 0.5) * 0.05f)];
        static Onnx.Proto.ValueInfoProto Info(string name, int width)
        {
            var shape = new Onnx.Proto.TensorShapeProto();
            shape.Dim.Add(new Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = 1 });
            shape.Dim.Add(new Onnx.Proto.TensorShapeProto.Types.Dimension { DimParam = "tokens" });
            shape.Dim.Add(new Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = width });
            return new Onnx.Proto.ValueInfoProto { Name = name, Type = new Onnx.Proto.TypeProto { TensorType = new Onnx.Proto.TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
        }
        var g = new Onnx.Proto.GraphProto { Name = "mlp" };
        g.Input.Add(Info("x", width));
        g.Output.Add(Info("y", width));
        g.Initializer.Add(TensorData.FromFloats("up", [width, hidden], Weights(width, hidden)));
        g.Initializer.Add(TensorData.FromFloats("down", [hidden, width], Weights(hidden, width)));
        var up = new Onnx.Proto.NodeProto { OpType = "MatMul", Name = "up" };
        up.Input.AddRange(["x", "up"]);
        up.Output.Add("h");
        var relu = new Onnx.Proto.NodeProto { OpType = "Relu", Name = "relu" };
        relu.Input.Add("h");
        relu.Output.Add("r");
        var down = new Onnx.Proto.NodeProto { OpType = "MatMul", Name = "down" };
        down.Input.AddRange(["r", "down"]);
        down.Output.Add("y");
        g.Node.AddRange([up, relu, down]);
        var model = new Onnx.Proto.ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new Onnx.Proto.OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
