using Ptq.Quantization.Reconstruction;

namespace Ptq.Tests.Quantization.Reconstruction;

public class AdaRoundKernelTests
{
    /// <summary>
    /// On a seeded layer with correlated inputs, learned rounding leaves well under the output error of round-to-nearest,
    /// and every weight is still rounded to one of its two neighbouring grid points.
    /// </summary>
    [Fact]
    public void ReducesTheOutputErrorOfRoundToNearest()
    {
        var problem = new LayerProblem(rows: 16, columns: 48, samples: 1500, seed: 11);
        var gram = problem.Hessian.Select(h => h / 1500).ToArray();
        var nearest = problem.Grid.Nearest(problem.Weights, problem.Columns);
        var learned = AdaRoundKernel.Quantize(problem.Weights, problem.Columns, gram, problem.Grid, new AdaRoundOptions(Iterations: 500));
        double nearestLoss = problem.Loss(nearest), learnedLoss = problem.Loss(learned);
        Assert.True(learnedLoss < 0.6 * nearestLoss, $"AdaRound {learnedLoss} vs nearest {nearestLoss}");
        for (int i = 0; i < learned.Length; i++)
        {
            float x = problem.Weights[i] / problem.Grid.Scales[i / problem.Columns];
            Assert.InRange(learned[i], Math.Max(problem.Grid.QMin, (int)MathF.Floor(x)), Math.Min(problem.Grid.QMax, (int)MathF.Floor(x) + 1));
        }
    }

    /// <summary>
    /// The codes do not depend on the units of the layer's inputs (C scaled by k²: pixels in 0–255 instead of 0–1) or of
    /// its weights (weights and steps scaled together), since the reconstruction term is measured in steps. Before, the
    /// 255² larger Gram matrix drowned the regulariser and changed the codes.
    /// </summary>
    [Fact]
    public void CodesDoNotDependOnTheUnitsOfInputsOrWeights()
    {
        var problem = new LayerProblem(rows: 16, columns: 48, samples: 1500, seed: 11);
        var gram = problem.Hessian.Select(h => h / 1500).ToArray();
        var options = new AdaRoundOptions(Iterations: 300);
        var codes = AdaRoundKernel.Quantize(problem.Weights, problem.Columns, gram, problem.Grid, options);
        // Powers of two keep every product exact in floating point.
        var pixels = AdaRoundKernel.Quantize(problem.Weights, problem.Columns, [.. gram.Select(g => g * 256 * 256)], problem.Grid, options);
        var grid = problem.Grid with { Scales = [.. problem.Grid.Scales.Select(x => x / 64)] };
        var smallWeights = AdaRoundKernel.Quantize([.. problem.Weights.Select(w => w / 64)], problem.Columns, gram, grid, options);
        Assert.Equal(codes, pixels);
        Assert.Equal(codes, smallWeights);
        Assert.NotEqual(problem.Grid.Nearest(problem.Weights, problem.Columns), codes);
    }

    /// <summary>With no input correlation to exploit (C = I), the best rounding is the nearest one, and AdaRound finds it.</summary>
    [Fact]
    public void RoundsToNearestWhenInputsAreIndependent()
    {
        var problem = new LayerProblem(rows: 4, columns: 20, samples: 10, seed: 2);
        var identity = new double[20 * 20];
        for (int i = 0; i < 20; i++)
            identity[i * 20 + i] = 1;
        var learned = AdaRoundKernel.Quantize(problem.Weights, problem.Columns, identity, problem.Grid, new AdaRoundOptions(Iterations: 400));
        Assert.Equal(problem.Grid.Nearest(problem.Weights, problem.Columns), learned);
    }
}
