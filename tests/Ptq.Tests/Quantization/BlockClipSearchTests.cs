using Ptq.Quantization.Blockwise;
using Ptq.Tests.Quantization.Reconstruction;

namespace Ptq.Tests.Quantization;

public class BlockClipSearchTests
{
    /// <summary>
    /// Clipping each block where its own output error is least never loses to round to nearest (ratio 1 is a candidate)
    /// and, on heavy-tailed weights, wins: the full output error on the problem's inputs drops below 90 % of RTN's.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClipsBlocksForLessOutputErrorThanRoundToNearest(bool symmetric)
    {
        var problem = new LayerProblem(rows: 16, columns: 64, samples: 1500, seed: 12);
        for (int i = 0; i < problem.Weights.Length; i += 29)
            problem.Weights[i] *= 6; // a few outliers stretch their blocks' ranges
        var scheme = new BlockScheme(4, 32, symmetric);
        var nearest = BlockQuantizer.Quantize(problem.Weights, problem.Rows, problem.Columns, scheme, BlockMethod.Rtn, "W").Dequantize();
        var clipped = BlockClipSearch.Quantize(problem.Weights, problem.Rows, problem.Columns, scheme, problem.Hessian, "W").Dequantize();
        double Loss(float[] q) => Enumerable.Range(0, problem.Inputs.Length / problem.Columns).Sum(s => Enumerable.Range(0, problem.Rows).Sum(r =>
        {
            double e = 0;
            for (int c = 0; c < problem.Columns; c++)
                e += (q[r * problem.Columns + c] - problem.Weights[r * problem.Columns + c]) * (double)problem.Inputs[s * problem.Columns + c];
            return e * e;
        }));
        double nearestLoss = Loss(nearest), clippedLoss = Loss(clipped);
        Assert.True(clippedLoss < 0.9 * nearestLoss, $"clipped {clippedLoss} vs nearest {nearestLoss}");
    }
}
