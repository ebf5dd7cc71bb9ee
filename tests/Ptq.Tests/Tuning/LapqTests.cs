using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;
using Ptq.Statistics;
using Ptq.Tuning.Lapq;

namespace Ptq.Tests.Tuning;

public class LapqTests
{
    /// <summary>A seeded convex quadratic in 6 variables: Powell's method reaches its minimum from the origin.</summary>
    [Fact]
    public void Powell_finds_the_minimum_of_a_quadratic()
    {
        var random = new Random(7);
        int n = 6;
        // f(x) = Σ_i a_i (x_i − c_i)² + 0.3 (x_0 − c_0)(x_1 − c_1): coupled axes, minimum 1.5 at c.
        double[] a = [.. Enumerable.Range(0, n).Select(_ => 0.5 + random.NextDouble() * 3)];
        double[] c = [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5)];
        double F(double[] x) => 1.5 + Enumerable.Range(0, n).Sum(i => a[i] * (x[i] - c[i]) * (x[i] - c[i])) + 0.3 * (x[0] - c[0]) * (x[1] - c[1]);
        var outcome = PowellMinimizer.Minimize(F, new double[n], new PowellOptions { MaxIterations = 10, LineTolerance = 1e-4, LineEvaluations = 40, RelativeTolerance = 1e-10 });
        Assert.InRange(outcome.Value, 1.5, 1.5 + 1e-6);
        for (int i = 0; i < n; i++)
            Assert.InRange(outcome.Point[i], c[i] - 2e-3, c[i] + 2e-3);
    }

    [Fact]
    public void Powell_keeps_to_its_evaluation_budget_and_never_returns_a_worse_point()
    {
        int calls = 0;
        double F(double[] x) { calls++; return Math.Pow(x[0] - 0.4, 2) + Math.Pow(x[1] + 0.2, 2) + Math.Pow(x[2] - 0.1, 2); }
        var outcome = PowellMinimizer.Minimize(F, new double[3], new PowellOptions { MaxIterations = 50, MaxEvaluations = 9 });
        Assert.Equal(9, calls);
        Assert.Equal(9, outcome.Evaluations);
        Assert.True(outcome.Value < 0.21, $"value {outcome.Value}"); // f(0) = 0.21
        Assert.Equal(F(outcome.Point), outcome.Value, 12);
    }

    /// <summary>KL(softmax(p) ‖ softmax(q)) along a middle axis, against the formula written out row by row.</summary>
    [Fact]
    public void Kl_divergence_of_softmax_rows_matches_the_formula()
    {
        var random = new Random(5);
        long[] shape = [2, 3, 4]; // rows along axis 1: 2 × 4 of them, 3 values each
        float[] p = [.. Enumerable.Range(0, 24).Select(_ => (float)(random.NextDouble() * 4 - 2))];
        float[] q = [.. p.Select(v => v + (float)(random.NextDouble() - 0.5))];
        double expected = 0;
        for (int o = 0; o < 2; o++)
        {
            for (int i = 0; i < 4; i++)
            {
                double[] a = [.. Enumerable.Range(0, 3).Select(k => Math.Exp(p[(o * 3 + k) * 4 + i]))], b = [.. Enumerable.Range(0, 3).Select(k => Math.Exp(q[(o * 3 + k) * 4 + i]))];
                double sa = a.Sum(), sb = b.Sum();
                expected += Enumerable.Range(0, 3).Sum(k => a[k] / sa * Math.Log(a[k] / sa / (b[k] / sb)));
            }
        }
        var (sum, rows) = ClipSimulation.Divergence(p, q, shape, axis: 1);
        Assert.Equal(8, rows);
        Assert.Equal(expected, sum, 10);
        Assert.Equal(0, ClipSimulation.Divergence(p, p, shape, axis: -2).Sum, 12);
        // Before opset 13 a row is everything from the axis on: 2 rows of 12 values.
        Assert.Equal(2, ClipSimulation.Divergence(p, q, shape, axis: 1, coerced: true).Rows);
    }

    [Fact]
    public void Lapq_options_are_refused_where_they_cannot_apply()
    {
        var lapq = Ptq.Recipes.QuantizationRecipe.Default with { Method = CalibrationMethod.Lapq };
        void Refused(Ptq.Recipes.QuantizationRecipe recipe, string message) =>
            Assert.StartsWith(message, Assert.Throws<Ptq.Recipes.RecipeException>(() => { recipe.Validate(); }).Message, StringComparison.Ordinal);
        Refused(Ptq.Recipes.QuantizationRecipe.Default with { LapqIterations = 3 }, "lapq-iterations 3: it steers method lapq's search");
        Refused(lapq with { LapqSamples = 0 }, "lapq-samples 0: give a positive number");
        Refused(lapq with { LapqInitP = 0.5 }, "lapq-init-p 0.5: the norm's p is a finite number of at least 1");
        Refused(lapq with { Mode = Ptq.Recipes.QuantizationMode.Dynamic }, "method lapq with mode dynamic:");
        Refused(lapq with { TargetCosine = 0.99 }, "method lapq with a target search");
        Assert.Equal(new LapqSettings { Iterations = 3, Samples = 8, MaxEvaluations = 100, InitNorm = 2.5 },
            (lapq with { LapqIterations = 3, LapqSamples = 8, LapqMaxEvals = 100, LapqInitP = 2.5 }).Validate().ToLapqSettings());
    }

    /// <summary>L_2 is the MSE model: the same clip; a larger p weighs outliers more and keeps a wider range.</summary>
    [Fact]
    public void Lp_clip_at_p2_is_the_mse_clip_and_widens_with_p()
    {
        var random = new Random(11);
        // Laplace(0, 1) samples: heavy tails, so the clip depends on p.
        float[] values = Calibration.EstimatorTestData.Laplace(200_000, 1, random);
        var stats = Calibration.EstimatorTestData.Collect("x", Calibration.EstimatorTestData.Chunks(values));
        var target = new QuantTarget(4, signed: true, symmetric: true);
        var mse = new MseEstimator().Estimate(stats, target);
        var l2 = new LpEstimator(2).Estimate(stats, target);
        Assert.Equal(mse.Max, l2.Max, 2);
        double previous = 0;
        foreach (double p in new[] { 2, 2.5, 3, 3.5, 4 })
        {
            double clip = new LpEstimator(p).Estimate(stats, target).Max;
            Assert.True(clip > previous, $"p {p}: clip {clip} after {previous}");
            previous = clip;
        }
        Assert.InRange(previous, 1.3 * l2.Max, values.Max(Math.Abs));
    }

    /// <summary>
    /// 4-bit activations on a model where one Relu channel is 40× the others and the next layer weighs it by 1/40: each
    /// tensor's own least-error clip (MSE) spends the codes on the large channel, which the output hardly sees. LAPQ's
    /// search for the output loss clips it and must beat MSE on held-out samples it never saw.
    /// </summary>
    [Fact]
    public void Lapq_beats_mse_on_held_out_samples_at_4_bit_activations()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var calibration = Enumerable.Range(0, 32).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s)).ToList();
        var heldOut = Enumerable.Range(1000, 32).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s)).ToList();
        var settings = new StaticQuantizationSettings { Activations = QuantScheme.ActivationDefault with { Bits = 4 } };

        var mse = StaticQuantizer.Quantize(model, settings, new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = CalibrationMethod.Mse }));
        var run = StaticRun.Create(model, settings, new CalibrationInput.FromSamples(calibration, calibration.Count, new CalibrationSettings { Method = CalibrationMethod.Lapq }), forVariants: false);
        var lapq = LossAwareClipping.Search(run, settings, calibration.Take(8).ToList(), new LapqSettings { Iterations = 2, Samples = 8 });

        Assert.True(lapq.Loss < lapq.InitLoss, $"search loss {lapq.Loss} vs start {lapq.InitLoss}");
        double mseLoss = RelativeError(model, mse.Model, heldOut), lapqLoss = RelativeError(model, lapq.Result.Model, heldOut);
        Assert.True(lapqLoss < 0.8 * mseLoss, $"held-out relative squared error: lapq {lapqLoss}, mse {mseLoss}");
        // What the search measured in its simulation is what the written model computes (same parameters, integer kernels).
        Assert.Equal(lapq.Loss, RelativeError(model, lapq.Result.Model, calibration.Take(8).ToList()), 0.02 * lapq.Loss);
    }

    /// <summary>Σ squared error over <paramref name="outputs"/> (default Y) divided by their float energy, as LAPQ's loss measures it.</summary>
    internal static double RelativeError(OnnxModel reference, OnnxModel quantized, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, params string[] outputs)
    {
        using var f = new OrtRunner(reference);
        using var q = new OrtRunner(quantized);
        double error = 0, energy = 0;
        foreach (var sample in samples)
        {
            var expectedOutputs = f.Run(sample);
            var actualOutputs = q.Run(sample);
            foreach (string output in outputs.Length == 0 ? ["Y"] : outputs)
            {
                float[] expected = expectedOutputs[output].ToFloats(), actual = actualOutputs[output].ToFloats();
                for (int i = 0; i < expected.Length; i++)
                {
                    error += Math.Pow(actual[i] - expected[i], 2);
                    energy += (double)expected[i] * expected[i];
                }
            }
        }
        return error / energy;
    }
}
