using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tests.Passes;

public class ScaleApproximationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Distiller's approx_scale_as_mult_and_shift: shift = ⌊log2((2^N − 1)/M)⌋, m = round(M·2^shift).</summary>
    [Theory]
    [InlineData(0.0123, 8)]
    [InlineData(0.7, 16)]
    [InlineData(3.3e-5, 12)]
    public void Multiplier_and_shift_follow_distillers_formula(double scale, int bits)
    {
        var (m, shift) = ScaleApproximation.Approximate(scale, bits);
        int expectedShift = (int)Math.Floor(Math.Log2((Math.Pow(2, bits) - 1) / scale));
        Assert.Equal(expectedShift, shift);
        Assert.Equal((long)Math.Round(scale * Math.Pow(2, expectedShift), MidpointRounding.AwayFromZero), m);
        Assert.InRange(m, 1L << (bits - 1), (1L << bits) - 1);
        Assert.True(Math.Abs(m * Math.Pow(2, -shift) - scale) / scale <= Math.Pow(2, -bits), "relative error at most 2^-bits");
    }

    [Fact]
    public void Options_are_refused_where_they_cannot_apply()
    {
        void Refused(Ptq.Recipes.QuantizationRecipe recipe, string message) =>
            Assert.StartsWith(message, Assert.Throws<Ptq.Recipes.RecipeException>(() => { recipe.Validate(); }).Message, StringComparison.Ordinal);
        var d = Ptq.Recipes.QuantizationRecipe.Default;
        Refused(d with { ScaleApproxBits = 1 }, "scale-approx-bits 1: give the multiplier's bits, 2 to 31");
        Refused(d with { ScaleApproxBake = true }, "scale-approx-bake writes the approximated scales; add scale-approx-bits N");
        Refused(d with { ScaleApproxBits = 8, Mode = Ptq.Recipes.QuantizationMode.WeightOnly }, "scale-approx-bits 8 with mode weight-only:");
        Refused(d with { ScaleApproxBits = 8, Format = Ptq.Recipes.OutputFormat.QOperator }, "scale-approx-bits 8 with format qoperator:");
        (d with { ScaleApproxBits = 16, ScaleApproxBake = true }).Validate();
    }

    /// <summary>
    /// X → Conv "a" (3→4, 3×3) → Relu → Conv "b" (4→4, 1×1): "a" requantizes into the int8 input of "b". With its 6-bit
    /// scales baked in, ONNX Runtime's output codes of "a" are those of an integer-only kernel (int32 accumulation,
    /// multiply by m, rounding right shift by s, zero point, clamp) within one code, where the exact-scale model differs
    /// from that kernel on many values.
    /// </summary>
    [Fact]
    public void Baked_model_computes_what_an_integer_only_runtime_does()
    {
        var model = new OnnxModel(ConvReluConv(seed: 21));
        var samples = Enumerable.Range(0, 16).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s)).ToList();
        // 7-bit weights: without VNNI, ONNX Runtime's u8×s8 kernels add pairs of products in int16 and saturate there,
        // which the integer reference below does not do; with reduce-range no pair can reach int16's limit on any CPU.
        var settings = new StaticQuantizationSettings { Weights = QuantScheme.WeightDefault with { ReduceRange = true } };
        var result = StaticQuantizer.Quantize(model, settings, new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        const int bits = 6;
        var (baked, records) = ScaleApproximation.Bake(result.Model, bits);
        var record = Assert.Single(records, r => r.Node == "a");
        Assert.Equal(4, record.Channels);
        Assert.InRange(record.MaxRelativeError, 1e-6, Math.Pow(2, -bits));
        Assert.Equal(records.Select(r => (r.Node, r.MaxRelativeError)), ScaleApproximation.Analyse(result.Model, bits).Select(r => (r.Node, r.MaxRelativeError)));

        var graph = OnnxGraph.FromModel(baked, promoteConstants: false);
        var conv = graph.Nodes.Single(n => n.Name == "a");
        var outputQ = graph.Consumers(conv.Outputs[0]).Single().Node;
        var inputDq = graph.Producer(conv.Inputs[0])!;
        var inputQ = graph.Producer(inputDq.Inputs[0])!;
        float inScale = Floats(graph, inputQ.Inputs[1])[0], outScale = Floats(graph, outputQ.Inputs[1])[0];
        int inZero = (int)Floats(graph, inputQ.Inputs[2])[0], outZero = (int)Floats(graph, outputQ.Inputs[2])[0];
        float[] w = Floats(graph, graph.Producer(conv.Inputs[1])!.Inputs[0]), bias = Floats(graph, graph.Producer(conv.Inputs[2])!.Inputs[0]);

        using var bakedRunner = OrtRunner.WithOutputs(baked, [outputQ.Outputs[0]]);
        var exactGraph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        string exactCodes = exactGraph.Consumers(exactGraph.Nodes.Single(n => n.Name == "a").Outputs[0]).Single().Node.Outputs[0];
        using var exactRunner = OrtRunner.WithOutputs(result.Model, [exactCodes]);
        int total = 0, bakedExact = 0, exactExact = 0, worst = 0;
        foreach (var sample in samples.Take(4))
        {
            float[] x = sample["X"].ToFloats();
            int[] reference = IntegerConv(x, inScale, inZero, w, bias, record.Multipliers, record.Shifts, outZero);
            float[] fromBaked = bakedRunner.Run(sample)[outputQ.Outputs[0]].ToFloats(), fromExact = exactRunner.Run(sample)[exactCodes].ToFloats();
            for (int i = 0; i < reference.Length; i++)
            {
                int d = Math.Abs((int)fromBaked[i] - reference[i]);
                worst = Math.Max(worst, d);
                bakedExact += d == 0 ? 1 : 0;
                exactExact += (int)fromExact[i] == reference[i] ? 1 : 0;
                total++;
            }
        }
        output.WriteLine($"{total} codes: baked {bakedExact} exact (worst {worst} code), exact scales {exactExact}; worst relative scale error {record.MaxRelativeError:G3}");
        Assert.True(worst <= 1, $"baked model differs from the integer kernel by {worst} codes");
        Assert.True(bakedExact >= 0.98 * total, $"baked: {bakedExact} of {total} codes exact");
        Assert.True(exactExact < bakedExact - total / 20, $"exact scales: {exactExact} of {total} codes match the integer kernel, baked {bakedExact}");
    }

    // y = clamp(zp + ((Σ (x_q − zx)·w_q + b_q) · m + 2^(s−1)) >> s, 0, 255): an integer-only Conv (3×3, pad 1) with a fused Relu.
    private static int[] IntegerConv(float[] x, float inScale, int inZero, float[] w, float[] bias, long[] m, int[] shift, int outZero)
    {
        const int c = 3, h = 8, wd = 8, o = 4;
        var xq = x.Select(v => (int)Math.Clamp(Math.Round(v / inScale, MidpointRounding.ToEven) + inZero, 0, 255)).ToArray();
        var y = new int[o * h * wd];
        for (int oc = 0; oc < o; oc++)
            for (int r = 0; r < h; r++)
                for (int col = 0; col < wd; col++)
                {
                    long acc = (long)bias[oc];
                    for (int ic = 0; ic < c; ic++)
                        for (int kr = 0; kr < 3; kr++)
                            for (int kc = 0; kc < 3; kc++)
                            {
                                int rr = r + kr - 1, cc = col + kc - 1;
                                if (rr < 0 || rr >= h || cc < 0 || cc >= wd) continue;
                                acc += (long)(xq[(ic * h + rr) * wd + cc] - inZero) * (long)w[((oc * c + ic) * 3 + kr) * 3 + kc];
                            }
                    long scaled = shift[oc] > 0 ? (acc * m[oc] + (1L << (shift[oc] - 1))) >> shift[oc] : acc * m[oc] << -shift[oc];
                    y[(oc * h + r) * wd + col] = (int)Math.Clamp(scaled + outZero, 0, 255);
                }
        return y;
    }

    private static float[] Floats(OnnxGraph graph, string initializer) => TensorData.ToFloats(graph.Initializer(initializer)!);

    private static ModelProto ConvReluConv(int seed)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "conv_relu_conv" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, 8, 8));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 4, 8, 8));
        graph.Initializer.Add(TestModels.RandomFloats("a.weight", random, 4, 3, 3, 3));
        graph.Initializer.Add(TestModels.RandomFloats("a.bias", random, 4));
        graph.Initializer.Add(TestModels.RandomFloats("b.weight", random, 4, 4, 1, 1));
        graph.Node.Add(TestModels.Node("Conv", "a", ["X", "a.weight", "a.bias"], ["a_out"],
            Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1]), Ptq.Graph.Node.IntsAttribute("kernel_shape", [3, 3])));
        graph.Node.Add(TestModels.Node("Relu", "relu", ["a_out"], ["r"]));
        graph.Node.Add(TestModels.Node("Conv", "b", ["r", "b.weight"], ["Y"], Ptq.Graph.Node.IntsAttribute("kernel_shape", [1, 1])));
        return TestModels.Model(graph);
    }
}
