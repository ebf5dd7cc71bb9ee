using Ptq.Quantization.Blockwise;
using Ptq.Quantization.Reconstruction;
using Ptq.Tests.Quantization.Reconstruction;

namespace Ptq.Tests.Quantization;

public class BlockGptqTests
{
    /// <summary>Σ over samples of ‖(Ŵ − W)·x‖² for block-dequantized weights.</summary>
    private static double Loss(LayerProblem problem, float[] dequantized)
    {
        double loss = 0;
        int samples = problem.Inputs.Length / problem.Columns;
        for (int s = 0; s < samples; s++)
            for (int r = 0; r < problem.Rows; r++)
            {
                double e = 0;
                for (int c = 0; c < problem.Columns; c++)
                    e += (dequantized[r * problem.Columns + c] - problem.Weights[r * problem.Columns + c]) * (double)problem.Inputs[s * problem.Columns + c];
                loss += e * e;
            }
        return loss;
    }

    /// <summary>
    /// On correlated inputs, 4-bit blocks of 16 (asymmetric and symmetric) keep well under 60 % of round-to-nearest's output
    /// error, with and without act-order (static grids); every code stays inside the block's 4-bit range.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ReducesTheOutputErrorOfRoundToNearest(bool symmetric, bool actOrder)
    {
        var problem = new LayerProblem(rows: 24, columns: 64, samples: 2000, seed: 5);
        var scheme = new BlockScheme(4, 16, symmetric);
        var nearest = BlockQuantizer.Quantize(problem.Weights, problem.Rows, problem.Columns, scheme, BlockMethod.Rtn, "W");
        var gptq = BlockGptq.Quantize(problem.Weights, problem.Rows, problem.Columns, scheme, GptqKernel.Factor(problem.Hessian, problem.Columns, actOrder), "W");
        double nearestLoss = Loss(problem, nearest.Dequantize()), gptqLoss = Loss(problem, gptq.Dequantize());
        Assert.True(gptqLoss < 0.6 * nearestLoss, $"GPTQ {gptqLoss} vs nearest {nearestLoss}");
        Assert.All(gptq.Codes, c => Assert.InRange(c, 0, 15));
    }

    /// <summary>With uncorrelated inputs of equal energy (H ∝ I) nothing is worth moving: GPTQ gives round-to-nearest's blocks exactly.</summary>
    [Fact]
    public void EqualsRoundToNearestWithoutInputCorrelation()
    {
        var problem = new LayerProblem(rows: 8, columns: 64, samples: 10, seed: 9);
        var identity = new double[64 * 64];
        for (int i = 0; i < 64; i++)
            identity[i * 64 + i] = 3;
        var scheme = new BlockScheme(4, 32, Symmetric: false);
        var nearest = BlockQuantizer.Quantize(problem.Weights, problem.Rows, problem.Columns, scheme, BlockMethod.Rtn, "W");
        var gptq = BlockGptq.Quantize(problem.Weights, problem.Rows, problem.Columns, scheme, GptqKernel.Factor(identity, 64), "W");
        Assert.Equal(nearest.Codes, gptq.Codes);
        Assert.Equal(nearest.Scales, gptq.Scales);
        Assert.Equal(nearest.ZeroPoints, gptq.ZeroPoints);
    }
}
