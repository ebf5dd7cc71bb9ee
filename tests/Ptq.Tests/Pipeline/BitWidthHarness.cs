using Ptq.Calibration;
using Ptq.Demo;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

/// <summary>Models, samples and the error measure of the bit-width tests.</summary>
internal static class BitWidthHarness
{
    /// <summary>Calibration and check samples of the demo model (the same ones, so no value falls outside its calibrated range).</summary>
    public static readonly IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> DemoSamples = DemoData.Feeds(8).ToList();

    /// <summary>Seeded samples of <see cref="ConvTransposeMatMul"/>.</summary>
    public static readonly IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> MatMulSamples = RandomFeeds("X", [1, 4, 8, 8], 8, seed: 11);

    /// <summary>
    /// X[1,4,8,8] → ConvTranspose(4→4, 2×2, stride 2, bias) → Relu → MatMul(W[16,16]) → Add(C[1,4,1,1]) → Y[1,4,16,16]:
    /// weights on axis 1 of ConvTranspose and MatMul, and a constant operand that is quantized like an activation.
    /// </summary>
    public static OnnxModel ConvTransposeMatMul(int seed = 9)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "convtranspose_matmul" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 4, 8, 8));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 4, 16, 16));
        graph.Initializer.Add(TestModels.RandomFloats("up.weight", random, 4, 4, 2, 2));
        graph.Initializer.Add(TestModels.RandomFloats("up.bias", random, 4));
        graph.Initializer.Add(TestModels.RandomFloats("mix.weight", random, 16, 16));
        graph.Initializer.Add(TestModels.RandomFloats("offset", random, 1, 4, 1, 1));
        graph.Node.Add(TestModels.Node("ConvTranspose", "up", ["X", "up.weight", "up.bias"], ["u"],
            Ptq.Graph.Node.IntsAttribute("kernel_shape", [2, 2]), Ptq.Graph.Node.IntsAttribute("strides", [2, 2])));
        graph.Node.Add(TestModels.Node("Relu", "relu", ["u"], ["r"]));
        graph.Node.Add(TestModels.Node("MatMul", "mix", ["r", "mix.weight"], ["m"]));
        graph.Node.Add(TestModels.Node("Add", "shift", ["m", "offset"], ["Y"]));
        return new OnnxModel(TestModels.Model(graph));
    }

    /// <summary>Static quantization of the demo model from <see cref="DemoSamples"/> with min-max ranges, everything quantized (the Gemm head too).</summary>
    public static StaticQuantizationResult QuantizeDemo(StaticQuantizationSettings settings) =>
        StaticQuantizer.Quantize(DemoModel.Build(), settings with { MinActivationElements = 0 }, MinMax(DemoSamples));

    /// <summary>Min-max calibration from <paramref name="samples"/>.</summary>
    public static CalibrationInput.FromSamples MinMax(IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples) =>
        new(samples, samples.Count, new CalibrationSettings { Method = CalibrationMethod.MinMax });

    /// <summary>
    /// ‖quantized − float‖ / ‖float‖ over the first output of every sample, each run at batch 1 in ONNX Runtime (the
    /// quantized model is loaded and run, so a model ONNX Runtime refuses fails here).
    /// </summary>
    public static double RelativeError(OnnxModel reference, OnnxModel quantized, IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        using var a = new OrtRunner(reference);
        using var b = new OrtRunner(quantized);
        string output = a.OutputNames[0];
        double error = 0, norm = 0;
        foreach (var sample in samples)
        {
            var expected = a.Run(sample)[output].AsFloatSpan();
            var actual = b.Run(sample)[output].AsFloatSpan();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double d = actual[i] - expected[i];
                error += d * d;
                norm += (double)expected[i] * expected[i];
            }
        }
        return Math.Sqrt(error / norm);
    }

    /// <summary>
    /// The relative error of <paramref name="quantize"/>(bits) for every width from <paramref name="from"/> to
    /// <paramref name="to"/>, indexed by bits. A width that fails to quantize, load or run fails with the width named.
    /// </summary>
    public static double[] Sweep(OnnxModel reference, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, Func<int, OnnxModel> quantize,
        int from = 2, int to = 16)
    {
        var errors = new double[to + 1];
        for (int bits = from; bits <= to; bits++)
        {
            try
            {
                errors[bits] = RelativeError(reference, quantize(bits), samples);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"{bits} bits: {e.GetType().Name}: {e.Message}");
            }
        }
        return errors;
    }

    /// <summary>
    /// The error halves with each bit, as rounding to a grid of 2^bits steps makes it: at 8 bits it is at most
    /// <paramref name="eightBitError"/>; no width exceeds <paramref name="slack"/> · <paramref name="eightBitError"/> ·
    /// 2^(8 − bits); the least-squares slope of log2(error) over the widths is −0.8 or steeper; and three more bits cut
    /// it at least in half (eightfold expected; single steps are noisy). Past <paramref name="until"/>, where a fixed
    /// floor takes over (the other side's 8 or 16 bits, or activations measured at run time), the error only has to
    /// stay below the bound at <paramref name="until"/>.
    /// </summary>
    public static void AssertShrinks(double[] errors, int from, double eightBitError, double slack = 2, int until = 16)
    {
        string table = string.Join(", ", Enumerable.Range(from, errors.Length - from).Select(b => $"{b}: {errors[b]:G3}"));
        Assert.True(errors[8] <= eightBitError, $"8-bit error {errors[8]:G3} above {eightBitError}: {table}");
        for (int bits = from; bits < errors.Length; bits++)
        {
            double bound = slack * eightBitError * Math.Pow(2, 8 - Math.Min(bits, until));
            Assert.True(errors[bits] <= bound, $"{bits} bits: error {errors[bits]:G3} above {bound:G3}: {table}");
            if (bits + 3 <= until)
                Assert.True(errors[bits + 3] <= errors[bits] / 2, $"{bits} → {bits + 3} bits: error {errors[bits]:G3} → {errors[bits + 3]:G3} did not halve: {table}");
        }
        var widths = Enumerable.Range(from, Math.Min(until, errors.Length - 1) - from + 1).ToList();
        double meanBits = widths.Average(), meanLog = widths.Average(b => Math.Log2(errors[b]));
        double slope = widths.Sum(b => (b - meanBits) * (Math.Log2(errors[b]) - meanLog)) / widths.Sum(b => (b - meanBits) * (b - meanBits));
        Assert.True(slope <= -0.8, $"log2(error) falls by {-slope:F2} per bit, not about 1: {table}");
    }

    private static List<IReadOnlyDictionary<string, TensorValue>> RandomFeeds(string input, long[] shape, int count, int seed)
    {
        var random = new Random(seed);
        int elements = (int)shape.Aggregate(1L, (a, d) => a * d);
        return [.. Enumerable.Range(0, count).Select(_ => (IReadOnlyDictionary<string, TensorValue>)new Dictionary<string, TensorValue>
        {
            [input] = TensorValue.FromFloats(shape, [.. Enumerable.Range(0, elements).Select(_ => (float)(random.NextDouble() * 2 - 1))]),
        })];
    }
}
