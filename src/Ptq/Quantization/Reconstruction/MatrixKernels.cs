using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ptq.Quantization.Reconstruction;

/// <summary>
/// Dense row-major float products for the reconstruction kernels: <c>C = A·B</c> (or <c>C += A·B</c>). On AVX-512 the
/// bulk runs in 4 × 32 register tiles (eight Vector512 accumulators, one broadcast of A and two loads of B per step of
/// the inner dimension); column tails and other CPUs use TensorPrimitives row updates. Row blocks of C run in parallel
/// when the product is large. Each element of C is summed by one thread in a fixed order, so results are deterministic.
/// </summary>
internal static class MatrixKernels
{
    private const int TileRows = 4;
    private const int TileColumns = 32;

    // Below this many multiply-adds a product runs on the calling thread (the fork costs more than it saves).
    private const long ParallelThreshold = 1 << 18;

    /// <summary>
    /// <c>C[m×n] = A[m×k]·B[k×n]</c>, or <c>C += A·B</c> when <paramref name="accumulate"/>; all row-major and dense.
    /// Throws <see cref="ArgumentException"/> when an array is shorter than its shape needs.
    /// </summary>
    public static void Multiply(float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate = false)
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"matrix product {m}×{k} · {k}×{n}: arrays of {a.Length}, {b.Length} and {c.Length} floats are too short");
        int blocks = (m + TileRows - 1) / TileRows;
        if ((long)m * k * n >= ParallelThreshold && blocks > 1)
            Parallel.For(0, blocks, block => RowBlock(a, b, c, block * TileRows, Math.Min(TileRows, m - block * TileRows), k, n, accumulate));
        else
            for (int block = 0; block < blocks; block++)
                RowBlock(a, b, c, block * TileRows, Math.Min(TileRows, m - block * TileRows), k, n, accumulate);
    }

    /// <summary>
    /// <c>C[m×n] += Aᵀ·B</c> for <c>A[r×m]</c> and <c>B[r×n]</c> (sums of outer products of matching rows, e.g. a Gram
    /// matrix of patches); <paramref name="scratch"/> receives Aᵀ and must hold m·r floats.
    /// </summary>
    public static void MultiplyTransposedLeft(float[] a, float[] b, float[] c, int r, int m, int n, float[] scratch)
    {
        if (scratch.Length < (long)m * r)
            throw new ArgumentException($"scratch of {scratch.Length} floats cannot hold a {m}×{r} transpose");
        for (int row = 0; row < r; row++)
            for (int col = 0; col < m; col++)
                scratch[col * r + row] = a[row * m + col];
        Multiply(scratch, b, c, m, r, n, accumulate: true);
    }

    private static void RowBlock(float[] a, float[] b, float[] c, int i0, int rows, int k, int n, bool accumulate)
    {
        if (!accumulate)
            c.AsSpan(i0 * n, rows * n).Clear();
        int j = 0;
        if (Vector512.IsHardwareAccelerated && rows == TileRows)
            for (; j + TileColumns <= n; j += TileColumns)
                Tile(a, b, c, i0, j, k, n);
        if (j == n)
            return;
        for (int r = 0; r < rows; r++)
        {
            var cRow = c.AsSpan((i0 + r) * n + j, n - j);
            for (int kk = 0; kk < k; kk++)
            {
                float x = a[(i0 + r) * k + kk];
                if (x != 0)
                    TensorPrimitives.MultiplyAdd(b.AsSpan(kk * n + j, n - j), x, cRow, cRow);
            }
        }
    }

    // C[i0..i0+4, j..j+32] += A[i0..i0+4, :] · B[:, j..j+32]
    private static void Tile(float[] a, float[] b, float[] c, int i0, int j, int k, int n)
    {
        ref float ra = ref MemoryMarshal.GetArrayDataReference(a);
        ref float rb = ref MemoryMarshal.GetArrayDataReference(b);
        ref float rc = ref MemoryMarshal.GetArrayDataReference(c);
        nuint w = (nuint)Vector512<float>.Count;
        nuint c0 = (nuint)(i0 * n + j), c1 = c0 + (nuint)n, c2 = c1 + (nuint)n, c3 = c2 + (nuint)n;
        var s00 = Vector512.LoadUnsafe(ref rc, c0); var s01 = Vector512.LoadUnsafe(ref rc, c0 + w);
        var s10 = Vector512.LoadUnsafe(ref rc, c1); var s11 = Vector512.LoadUnsafe(ref rc, c1 + w);
        var s20 = Vector512.LoadUnsafe(ref rc, c2); var s21 = Vector512.LoadUnsafe(ref rc, c2 + w);
        var s30 = Vector512.LoadUnsafe(ref rc, c3); var s31 = Vector512.LoadUnsafe(ref rc, c3 + w);
        nuint a0 = (nuint)(i0 * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
        nuint bk = (nuint)j;
        for (nuint kk = 0; kk < (nuint)k; kk++, bk += (nuint)n)
        {
            var b0 = Vector512.LoadUnsafe(ref rb, bk);
            var b1 = Vector512.LoadUnsafe(ref rb, bk + w);
            var x = Vector512.Create(Unsafe.Add(ref ra, a0 + kk));
            s00 = Vector512.FusedMultiplyAdd(x, b0, s00); s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
            x = Vector512.Create(Unsafe.Add(ref ra, a1 + kk));
            s10 = Vector512.FusedMultiplyAdd(x, b0, s10); s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
            x = Vector512.Create(Unsafe.Add(ref ra, a2 + kk));
            s20 = Vector512.FusedMultiplyAdd(x, b0, s20); s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
            x = Vector512.Create(Unsafe.Add(ref ra, a3 + kk));
            s30 = Vector512.FusedMultiplyAdd(x, b0, s30); s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
        }
        s00.StoreUnsafe(ref rc, c0); s01.StoreUnsafe(ref rc, c0 + w);
        s10.StoreUnsafe(ref rc, c1); s11.StoreUnsafe(ref rc, c1 + w);
        s20.StoreUnsafe(ref rc, c2); s21.StoreUnsafe(ref rc, c2 + w);
        s30.StoreUnsafe(ref rc, c3); s31.StoreUnsafe(ref rc, c3 + w);
    }
}
