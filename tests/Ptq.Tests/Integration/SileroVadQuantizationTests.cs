using Ptq.Calibration;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Recipes;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>
/// Silero VAD keeps its whole network in If branches (16 kHz and 8 kHz). Static and dynamic int8 must quantize the
/// branches and keep the speech/non-speech decisions (probability &gt; 0.5, 512-sample chunks streamed with the state
/// carried) on speech rendered by espeak-ng at ≥ 99 % agreement with fp32.
/// </summary>
public class SileroVadQuantizationTests(ITestOutputHelper output)
{
    private const int Chunk = 512, Context = 64;

    private static readonly string[] TestSentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Voice activity detection decides which parts of a recording hold speech.",
        "Please call Stella and ask her to bring these things with her from the store.",
        "Six spoons of fresh snow peas, five thick slabs of blue cheese.",
        "We also need a small plastic snake and a big toy frog for the kids.",
        "Quantized models should agree with the floating point model on almost every chunk.",
        "She can scoop these things into three red bags, and we will go meet her Wednesday at the train station.",
        "Numbers, not adjectives.",
    ];

    private static readonly string[] CalibrationSentences =
    [
        "A calibration set is a handful of typical inputs.",
        "The rain in Spain stays mainly in the plain.",
        "How much wood would a woodchuck chuck if a woodchuck could chuck wood?",
        "Seven silent seals swam south before sunrise.",
    ];

    [EspeakFact]
    public void StaticAndDynamicInt8QuantizeTheBranchesAndKeepTheDecisions()
    {
        using var model = ModelIO.Load(Assets.Model("silero-vad.onnx"));
        var test = RenderedSpeech.Render(TestSentences, seed: 16);
        var calibration = RenderedSpeech.Render(CalibrationSentences, seed: 61);
        var reference = Probabilities(model, test, out _);
        int speech = reference.Count(p => p > 0.5f);
        output.WriteLine($"test stream: {reference.Length} chunks, fp32 says speech in {speech}");
        Assert.InRange(speech, reference.Length / 5, reference.Length * 4 / 5); // both kinds of chunk are there

        // Calibration samples: chunks of other sentences with the state fp32 carries into them. The percentile estimator,
        // or LAPQ's search for the output loss: MSE and min-max ranges of the STFT output (squared into a power spectrum
        // next) give 97.8–98.2 % agreement.
        Probabilities(model, calibration, out var feeds);
        var samples = feeds.Where((_, i) => i % 2 == 0).ToList();
        var source = new SampleListSource(ModelInputs.Of(model), [.. samples.Select((f, i) => new CalibrationSample(f.ToDictionary(p => p.Key, p => ToInput(p.Key, p.Value)), $"chunk {2 * i}"))]);

        var quantized = new Dictionary<string, StaticQuantizationResult>
        {
            ["static"] = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
                new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings { Method = CalibrationMethod.Percentile })),
            ["static, lapq"] = RecipeQuantizer.Run(model, QuantizationRecipe.Default with { Method = CalibrationMethod.Lapq }, source).Result,
            ["dynamic"] = DynamicQuantizer.Quantize(model, new StaticQuantizationSettings()),
            ["weight-only"] = WeightOnlyQuantizer.Quantize(model, new StaticQuantizationSettings()),
        };
        foreach (var (mode, result) in quantized)
        {
            // The 16 kHz branch (then_branch) and the bodies nested in it keep their weights as int8 where they are: in static
            // mode the four Convs before the time axis shrinks to one frame (the last two read vectors, which stay float by
            // design); in dynamic mode the LSTM's W and R (in both branches of the decoder's nested If); weight-only, all six Convs.
            var branch = result.Model.Proto.Graph.Node.Single(n => n.OpType == "If").Attribute.Single(a => a.Name == "then_branch").G;
            var int8 = Subtree(branch).SelectMany(g => g.Initializer).Where(t => t.DataType == (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Int8 && t.Dims.Count >= 3).ToList();
            var probabilities = Probabilities(result.Model, test, out _);
            int agree = reference.Zip(probabilities).Count(p => p.First > 0.5f == p.Second > 0.5f);
            double agreement = 100.0 * agree / reference.Length;
            double maxDiff = reference.Zip(probabilities).Max(p => Math.Abs(p.First - p.Second));
            output.WriteLine($"{mode}: {result.Tensors.Count(t => t.Kind == "Weight")} weights, {result.Tensors.Count(t => t.Kind == "Activation")} activations quantized; " +
                $"int8 weights in the 16 kHz branch: {int8.Count} ({string.Join(", ", int8.Select(t => $"[{string.Join(",", t.Dims)}]"))}); decisions agree on {agree}/{reference.Length} chunks ({agreement:F2} %); max |Δp| {maxDiff:F4}");
            Assert.True(int8.Count >= 4, $"{mode}: {int8.Count} int8 conv weights in the 16 kHz branch");
            Assert.True(agreement >= 99.0, $"{mode}: decisions agree on {agreement:F2} % of chunks");
        }
        foreach (string mode in new[] { "static", "static, lapq" })
            Assert.True(quantized[mode].Tensors.Count(t => t.Kind == "Activation") >= 5, $"{mode} quantizes activations inside the branch");
    }

    private static InputTensor ToInput(string name, TensorValue value) => value.DataType == (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Float
        ? new InputTensor(name, InputElementType.Float32, [.. value.Shape.Select(d => (int)d)], value.ToFloats())
        : new InputTensor(name, InputElementType.Int64, [.. value.Shape.Select(d => (int)d)], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(value.Raw).ToArray());

    private static IEnumerable<Ptq.Onnx.Proto.GraphProto> Subtree(Ptq.Onnx.Proto.GraphProto graph) =>
        graph.Node.SelectMany(n => n.Attribute).Where(a => a.G is not null).SelectMany(a => Subtree(a.G)).Prepend(graph);

    /// <summary>Speech probability of every 512-sample chunk of <paramref name="audio"/>, streamed with the state carried.</summary>
    private static float[] Probabilities(OnnxModel model, float[] audio, out List<IReadOnlyDictionary<string, TensorValue>> feeds)
    {
        using var runner = new OrtRunner(model, new RunnerOptions { IntraOpThreads = 1 });
        var state = TensorValue.FromFloats([2, 1, 128], new float[256]);
        var sr = TensorValue.FromInt64s([], [RenderedSpeech.SampleRate]);
        var result = new float[audio.Length / Chunk];
        feeds = [];
        for (int c = 0; c < result.Length; c++)
        {
            var feed = new Dictionary<string, TensorValue>
            {
                // Silero v5 reads each chunk after the last 64 samples of the one before (its reference wrapper does so).
                ["input"] = TensorValue.FromFloats([1, Context + Chunk], c == 0 ? [.. new float[Context], .. audio.AsSpan(0, Chunk)] : audio.AsSpan(c * Chunk - Context, Context + Chunk)),
                ["state"] = state,
                ["sr"] = sr,
            };
            feeds.Add(feed);
            var outputs = runner.Run(feed, ["output", "stateN"]);
            result[c] = outputs["output"].ToFloats()[0];
            state = outputs["stateN"];
        }
        return result;
    }
}
