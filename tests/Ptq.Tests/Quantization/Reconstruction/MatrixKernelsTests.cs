using Ptq.Quantization.Reconstruction;

namespace Ptq.Tests.Quantization.Reconstruction;

public class MatrixKernelsTests
{
    /// <summary>Every tile and tail path (4-row tiles, 32-column tiles, row and column remainders) against a double-precision loop.</summary>
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 3, 32)]
    [InlineData(5, 7, 33)]
    [InlineData(8, 64, 64)]
    [InlineData(13, 40, 97)]
    [InlineData(70, 130, 150)]
    public void ProductMatchesReference(int m, int k, int n)
    {
        var random = new Random(m * 1000 + k * 10 + n);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var c = Enumerable.Range(0, m * n).Select(_ => (float)random.NextDouble()).ToArray();
        var start = (float[])c.Clone();
        MatrixKernels.Multiply(a, b, c, m, k, n, accumulate: true);
        var fresh = new float[m * n];
        MatrixKernels.Multiply(a, b, fresh, m, k, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int kk = 0; kk < k; kk++)
                    expected += (double)a[i * k + kk] * b[kk * n + j];
                double tolerance = 1e-5 * (k + 1);
                Assert.True(Math.Abs(fresh[i * n + j] - expected) <= tolerance, $"C[{i},{j}] = {fresh[i * n + j]}, expected {expected}");
                Assert.True(Math.Abs(c[i * n + j] - (start[i * n + j] + expected)) <= tolerance, $"accumulated C[{i},{j}]");
            }
    }

    [Fact]
    public void TransposedLeftProductIsTheGramMatrix()
    {
        var problem = new LayerProblem(rows: 2, columns: 37, samples: 300, seed: 5);
        var gram = new float[37 * 37];
        MatrixKernels.MultiplyTransposedLeft(problem.Inputs, problem.Inputs, gram, 300, 37, 37, new float[37 * 300]);
        for (int i = 0; i < gram.Length; i++)
            Assert.True(Math.Abs(gram[i] - problem.Hessian[i]) <= 1e-4 * Math.Abs(problem.Hessian[i]) + 1e-3, $"H[{i}] = {gram[i]}, expected {problem.Hessian[i]}");
    }

    [Fact]
    public void UpperFactorOfInverseReproducesTheInverse()
    {
        const int n = 23;
        var problem = new LayerProblem(rows: 1, columns: n, samples: 200, seed: 9);
        var u = Cholesky.UpperFactorOfInverse(problem.Hessian, n)!;
        // Uᵀ·U·H must be the identity, and U upper triangular with a positive diagonal.
        for (int i = 0; i < n; i++)
        {
            Assert.True(u[i * n + i] > 0);
            for (int j = 0; j < i; j++)
                Assert.Equal(0, u[i * n + j]);
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    double inverse = 0;
                    for (int t = 0; t < n; t++)
                        inverse += u[t * n + i] * u[t * n + k];
                    sum += inverse * problem.Hessian[k * n + j];
                }
                Assert.True(Math.Abs(sum - (i == j ? 1 : 0)) < 1e-8, $"(H⁻¹H)[{i},{j}] = {sum}");
            }
        Assert.Null(Cholesky.UpperFactorOfInverse(new double[n * n], n));
    }
}
