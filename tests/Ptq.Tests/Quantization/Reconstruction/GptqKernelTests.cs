using Ptq.Quantization.Reconstruction;

namespace Ptq.Tests.Quantization.Reconstruction;

public class GptqKernelTests
{
    /// <summary>
    /// GPTQ's Cholesky formulation gives the same codes as the plain optimal-brain-quantizer recursion it rewrites: round
    /// one column, move the rest of the row by −(w − q) / [H_F⁻¹]_ii · [H_F⁻¹]_{F,i} with H_F⁻¹ inverted afresh (Gauss–Jordan
    /// in double) for the columns F not yet rounded, drop the column from F, repeat.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesTheExplicitInverseRecursion(bool actOrder)
    {
        var problem = new LayerProblem(rows: 6, columns: 24, samples: 400, seed: 21);
        var codes = GptqKernel.Quantize(problem.Weights, problem.Columns, problem.Hessian, problem.Grid, actOrder);
        var expected = Reference(problem, actOrder);
        Assert.Equal(expected, codes);
    }

    /// <summary>On correlated inputs GPTQ's output error is well below round-to-nearest's (and act-order below plain order here).</summary>
    [Fact]
    public void ReducesTheOutputErrorOfRoundToNearest()
    {
        var problem = new LayerProblem(rows: 32, columns: 72, samples: 2000, seed: 3);
        double nearest = problem.Loss(problem.Grid.Nearest(problem.Weights, problem.Columns));
        double gptq = problem.Loss(GptqKernel.Quantize(problem.Weights, problem.Columns, problem.Hessian, problem.Grid));
        double ordered = problem.Loss(GptqKernel.Quantize(problem.Weights, problem.Columns, problem.Hessian, problem.Grid, actOrder: true));
        Assert.True(gptq < 0.6 * nearest, $"GPTQ {gptq} vs nearest {nearest}");
        Assert.True(ordered < 0.6 * nearest, $"GPTQ act-order {ordered} vs nearest {nearest}");
    }

    private static int[] Reference(LayerProblem problem, bool actOrder)
    {
        int n = problem.Columns;
        var h = (double[])problem.Hessian.Clone();
        GptqKernel.Damp(h, n, GptqKernel.DefaultDamping);
        var order = GptqKernel.ColumnOrder(problem.Hessian, n, actOrder);
        var codes = new int[problem.Weights.Length];
        for (int r = 0; r < problem.Rows; r++)
        {
            var w = problem.Weights.Skip(r * n).Take(n).Select(x => (double)x).ToArray();
            var remaining = order.ToList();
            foreach (int column in order)
            {
                var inverse = Invert(remaining.Select(i => remaining.Select(j => h[i * n + j]).ToArray()).ToArray());
                int at = remaining.IndexOf(column);
                int code = problem.Grid.Code((float)w[column], r);
                codes[r * n + column] = code;
                double error = (w[column] - problem.Grid.Value(code, r)) / inverse[at][at];
                for (int f = 0; f < remaining.Count; f++)
                    w[remaining[f]] -= error * inverse[f][at];
                remaining.RemoveAt(at);
            }
        }
        return codes;
    }

    private static double[][] Invert(double[][] a)
    {
        int n = a.Length;
        var m = a.Select((row, i) => row.Concat(Enumerable.Range(0, n).Select(j => i == j ? 1.0 : 0.0)).ToArray()).ToArray();
        for (int c = 0; c < n; c++)
        {
            int pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(m[r][c]));
            (m[c], m[pivot]) = (m[pivot], m[c]);
            double p = m[c][c];
            for (int j = 0; j < 2 * n; j++)
                m[c][j] /= p;
            for (int r = 0; r < n; r++)
            {
                if (r == c) continue;
                double f = m[r][c];
                for (int j = 0; j < 2 * n; j++)
                    m[r][j] -= f * m[c][j];
            }
        }
        return m.Select(row => row.Skip(n).ToArray()).ToArray();
    }
}
