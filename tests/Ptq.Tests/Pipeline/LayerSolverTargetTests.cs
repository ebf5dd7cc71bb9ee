using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline.Reconstruction;
using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// The regularisations of the asymmetric target W* = W + W·(E[x·x̂ᵀ] − C)·(C + λI)⁻¹ in <see cref="LayerSolver"/>, on a
/// seeded 4-bit MatMul layer whose quantized inputs differ from the float ones by a correlated error: each must reach its
/// limits exactly (no ridge beyond GPTQ's, or a target equal to W). Whether they help on held-out data is measured in
/// bench/README.md ("Regularising the asymmetric target"): a synthetic layer does not decide that.
/// </summary>
public class LayerSolverTargetTests
{
    private const int Columns = 12, Rows = 6;

    private static readonly Func<float[], double[], GptqFactor, RowGrid, int[]> Gptq = (target, _, factor, grid) => GptqKernel.Quantize(target, factor, grid);

    [Fact]
    public void Target_damping_equal_to_the_damping_changes_nothing_and_a_huge_one_rounds_W()
    {
        var (layer, nearest) = Layer();
        var statistics = Statistics(seed: 3, samples: 400, floatGram: false);
        var plain = LayerSolver.Solve(layer, statistics, nearest, Gptq, refitBias: false, searchClip: false);
        var same = LayerSolver.Solve(layer, statistics, nearest, Gptq, refitBias: false, searchClip: false, targetDamping: GptqKernel.DefaultDamping);
        Assert.Equal(plain.Codes, same.Codes);
        // An infinite ridge leaves the target at W: the same as reconstructing W itself on the quantized inputs.
        var ridged = LayerSolver.Solve(layer, statistics, nearest, Gptq, refitBias: false, searchClip: false, targetDamping: 1e12);
        var toward = LayerSolver.Solve(layer, statistics, nearest, Gptq, asymmetric: false, refitBias: false, searchClip: false);
        Assert.Equal(toward.Codes, ridged.Codes);
        Assert.NotEqual(plain.Codes, ridged.Codes);
    }

    [Fact]
    public void Quantized_share_one_is_the_asymmetric_objective_and_zero_rounds_W_on_float_inputs()
    {
        var (layer, nearest) = Layer();
        var statistics = Statistics(seed: 4, samples: 400, floatGram: true);
        var plain = LayerSolver.Solve(layer, statistics, nearest, Gptq, refitBias: false, searchClip: false);
        Assert.Equal(plain.Codes, LayerSolver.Solve(layer, statistics, nearest, Gptq, refitBias: false, searchClip: false, quantizedShare: 1).Codes);
        // Float inputs only: the statistics of x against x, whose target is W (GPTQ as in the paper, on float inputs).
        var floatOnly = LayerSolver.Solve(layer, statistics, nearest, Gptq, refitBias: false, searchClip: false, quantizedShare: 0);
        var floatStatistics = Statistics(seed: 4, samples: 400, floatGram: false, errorScale: 0, noise: 0);
        var reference = LayerSolver.Solve(layer, floatStatistics, nearest, Gptq, asymmetric: false, refitBias: false, searchClip: false);
        Assert.Equal(reference.Codes, floatOnly.Codes);
    }

    /// <summary>A MatMul layer (inputs × weight [Columns, Rows]) with seeded weights and a per-tensor 4-bit grid.</summary>
    private static (ReconstructionLayer Layer, int[] Nearest) Layer()
    {
        var random = new Random(11);
        var graph = new GraphProto { Name = "layer" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, Columns));
        graph.Output.Add(new ValueInfoProto { Name = "Y" });
        var weightProto = TestModels.RandomFloats("W", random, Columns, Rows);
        graph.Initializer.Add(weightProto);
        graph.Node.Add(TestModels.Node("MatMul", "layer", ["X", "W"], ["Y"]));
        var node = OnnxGraph.FromModel(new OnnxModel(TestModels.Model(graph))).Nodes[0];
        long[] dims = [Columns, Rows];
        var geometry = LayerGeometry.For(node, dims, out string? reason) ?? throw new InvalidOperationException(reason);
        var weight = TensorData.ToFloats(weightProto);
        var scheme = QuantScheme.WeightDefault with { Bits = 4 };
        var parameters = QuantParams.FromRange(weight.Min(), weight.Max(), scheme);
        var nearest = weight.Select(w => Math.Clamp((int)Math.Round(w / parameters.Scales[0]), scheme.QMin, scheme.QMax)).ToArray();
        var layer = new ReconstructionLayer(node, geometry, parameters, weight, dims, "codes", "scale", "value", "X", "X", "W", null, false);
        return (layer, nearest);
    }

    /// <summary>
    /// Inputs x (correlated, positive mean) and quantized inputs x̂ = x + e: e holds a fixed linear function of x (an
    /// upstream rounding that carries over, × <paramref name="errorScale"/>) plus per-sample noise (× <paramref name="noise"/>, which does not).
    /// </summary>
    private static LayerStatistics[] Statistics(int seed, int samples, bool floatGram, double errorScale = 1, double noise = 0.2, double common = 0.5)
    {
        var statistics = new LayerStatistics(Columns, floatGram);
        var (x, q) = Inputs(seed, samples, errorScale, noise, common);
        statistics.Add(q, x, samples);
        return [statistics];
    }

    private static (float[] Float, float[] Quantized) Inputs(int seed, int samples, double errorScale, double noise, double common)
    {
        var random = new Random(seed);
        var fixedError = new Random(99);
        var carried = Enumerable.Range(0, Columns * Columns).Select(_ => (fixedError.NextDouble() - 0.5) * 0.1).ToArray();
        var x = new float[samples * Columns];
        var q = new float[samples * Columns];
        for (int s = 0; s < samples; s++)
        {
            double shared = random.NextDouble() * 2 - 1;
            for (int c = 0; c < Columns; c++)
                x[s * Columns + c] = (float)(1 + shared * common + (random.NextDouble() - 0.5) * (c % 3 == 0 ? 0.1 : 1));
            for (int c = 0; c < Columns; c++)
            {
                double e = 0;
                for (int k = 0; k < Columns; k++)
                    e += carried[c * Columns + k] * x[s * Columns + k];
                q[s * Columns + c] = (float)(x[s * Columns + c] + errorScale * e + noise * (random.NextDouble() - 0.5));
            }
        }
        return (x, q);
    }
}
