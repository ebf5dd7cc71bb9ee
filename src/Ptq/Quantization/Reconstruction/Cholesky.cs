using System.Numerics.Tensors;

namespace Ptq.Quantization.Reconstruction;

/// <summary>Cholesky factorization and the triangular inverses GPTQ needs, in double precision on row-major n×n arrays.</summary>
internal static class Cholesky
{
    /// <summary>
    /// Replaces the symmetric positive-definite <paramref name="h"/> (only its lower triangle is read) by its lower
    /// factor L with <c>h = L·Lᵀ</c> (upper triangle zeroed). Returns false, with <paramref name="h"/> partly
    /// overwritten, when a pivot is not positive.
    /// </summary>
    public static bool TryFactor(double[] h, int n)
    {
        for (int i = 0; i < n; i++)
        {
            var rowI = h.AsSpan(i * n, n);
            for (int j = 0; j <= i; j++)
            {
                double sum = rowI[j] - TensorPrimitives.Dot<double>(rowI[..j], h.AsSpan(j * n, j));
                if (i == j)
                {
                    if (!(sum > 0) || !double.IsFinite(sum))
                        return false;
                    rowI[i] = Math.Sqrt(sum);
                }
                else
                {
                    rowI[j] = sum / h[j * n + j];
                }
            }
            rowI[(i + 1)..].Clear();
        }
        return true;
    }

    /// <summary>Replaces the lower-triangular <paramref name="l"/> (non-zero diagonal) by its inverse, also lower triangular.</summary>
    public static void InvertLower(double[] l, int n)
    {
        var inverse = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            // Row i of L⁻¹: (e_i − Σ_{k<i} L[i,k]·(L⁻¹)[k,:]) / L[i,i]; rows k < i are zero beyond column k.
            var row = inverse.AsSpan(i * n, i + 1);
            for (int k = 0; k < i; k++)
            {
                double x = l[i * n + k];
                if (x != 0)
                    TensorPrimitives.MultiplyAdd<double>(inverse.AsSpan(k * n, i + 1), -x, row, row);
            }
            row[i] += 1;
            TensorPrimitives.Divide<double>(row, l[i * n + i], row);
        }
        inverse.CopyTo(l, 0);
    }

    /// <summary>
    /// The upper-triangular U with <c>h⁻¹ = Uᵀ·U</c> (the upper Cholesky factor of the inverse, what GPTQ reads row by
    /// row), computed without forming h⁻¹: with J the reversal permutation, <c>J·h·J = L·Lᵀ</c> gives
    /// <c>h = (J·L·J)·(J·L·J)ᵀ</c> with J·L·J upper triangular, so <c>U = J·L⁻¹·J</c>. Returns null when
    /// <paramref name="h"/> is not positive definite; <paramref name="h"/> is not modified.
    /// </summary>
    public static double[]? UpperFactorOfInverse(double[] h, int n)
    {
        var reversed = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                reversed[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)];
        if (!TryFactor(reversed, n))
            return null;
        InvertLower(reversed, n);
        var upper = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                upper[i * n + j] = reversed[(n - 1 - i) * n + (n - 1 - j)];
        return upper;
    }
}
