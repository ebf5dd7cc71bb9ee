using System.Numerics.Tensors;

namespace Ptq.Quantization.Reconstruction;

/// <summary>
/// GPTQ (Frantar et al., 2022; OBQ for CNNs, Frantar &amp; Alistarh, 2022): chooses the codes of a rows × columns weight
/// matrix W one column at a time, each time moving the error of the rounded column onto the columns not yet rounded
/// so that <c>‖(Ŵ − W)·X‖²</c> stays small for the layer inputs X (columns are input features, Gram matrix
/// <c>H = X·Xᵀ</c>). With <c>H⁻¹ = Uᵀ·U</c> (U upper triangular), rounding column i of a row moves the rest of the row by
/// <c>−(w_i − ŵ_i) / U[i,i] · U[i, i+1..]</c>, the optimal update of the remaining weights (OBS). Rows are independent
/// given U, so blocks of rows run in parallel and each row of U is read once per block. Deterministic.
/// </summary>
internal static class GptqKernel
{
    /// <summary>Default damping: this fraction of the mean diagonal of H is added to its diagonal (the paper's 1 %).</summary>
    public const double DefaultDamping = 0.01;

    private const int RowsPerBlock = 8;

    /// <summary>
    /// Codes on <paramref name="grid"/> for <paramref name="weights"/> (rows × <paramref name="columns"/>, row-major;
    /// not modified). <paramref name="hessian"/> is the columns × columns Gram matrix of the inputs (any positive scale;
    /// not modified); inputs never seen (zero diagonal) get a unit diagonal so their weights round to nearest.
    /// <paramref name="damping"/> × mean diagonal is added to the diagonal, and multiplied by ten while the factorization
    /// fails. With <paramref name="actOrder"/> columns are rounded in order of decreasing input energy (diagonal of H).
    /// </summary>
    public static int[] Quantize(float[] weights, int columns, double[] hessian, RowGrid grid, bool actOrder = false, double damping = DefaultDamping) =>
        Quantize(weights, Factor(hessian, columns, actOrder, damping), grid);

    /// <summary>
    /// The column order and the factor of the damped inverse Hessian GPTQ rounds with: they depend on the inputs only,
    /// so one factor serves every grid tried for a layer (<see cref="ClipSearch"/>). Throws <see cref="PtqException"/>
    /// when the Hessian stays singular (inputs with NaN or infinity).
    /// </summary>
    public static GptqFactor Factor(double[] hessian, int columns, bool actOrder = false, double damping = DefaultDamping)
    {
        if (hessian.Length != columns * columns)
            throw new ArgumentException($"GPTQ of {columns} columns: a Hessian of {hessian.Length} does not fit");
        int[] order = ColumnOrder(hessian, columns, actOrder);
        return new GptqFactor(order, InverseFactor(Permuted(hessian, columns, order), columns, damping));
    }

    /// <summary>Codes on <paramref name="grid"/> for <paramref name="weights"/> (rows × columns of <paramref name="factor"/>; not modified).</summary>
    public static int[] Quantize(float[] weights, GptqFactor factor, RowGrid grid)
    {
        int rows = grid.Rows, columns = factor.Columns;
        var (order, u) = (factor.Order, factor.Upper);
        if (weights.Length != rows * columns)
            throw new ArgumentException($"GPTQ of {rows}×{columns}: {weights.Length} weights do not fit");

        var w = new float[weights.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                w[r * columns + c] = weights[r * columns + order[c]];
        var permutedCodes = new int[weights.Length];
        int blocks = (rows + RowsPerBlock - 1) / RowsPerBlock;
        Parallel.For(0, blocks, block =>
        {
            int first = block * RowsPerBlock, last = Math.Min(rows, first + RowsPerBlock);
            for (int i = 0; i < columns; i++)
            {
                float diagonal = u[i * columns + i];
                var tail = u.AsSpan(i * columns + i + 1, columns - i - 1);
                for (int r = first; r < last; r++)
                {
                    var row = w.AsSpan(r * columns, columns);
                    int code = grid.Code(row[i], r);
                    permutedCodes[r * columns + i] = code;
                    float error = (row[i] - grid.Value(code, r)) / diagonal;
                    if (error != 0)
                        TensorPrimitives.MultiplyAdd(tail, -error, row[(i + 1)..], row[(i + 1)..]);
                }
            }
        });

        var codes = new int[weights.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                codes[r * columns + order[c]] = permutedCodes[r * columns + c];
        return codes;
    }

    /// <summary>The order columns are rounded in: as given, or by decreasing diagonal of H (ties by index).</summary>
    internal static int[] ColumnOrder(double[] hessian, int columns, bool actOrder)
    {
        var order = Enumerable.Range(0, columns).ToArray();
        return actOrder ? [.. order.OrderByDescending(c => hessian[c * columns + c]).ThenBy(c => c)] : order;
    }

    /// <summary>H with unseen inputs given a unit diagonal and <paramref name="damping"/> × mean diagonal added (in place).</summary>
    internal static void Damp(double[] h, int columns, double damping)
    {
        double sum = 0;
        for (int c = 0; c < columns; c++)
        {
            if (!(h[c * columns + c] > 0))
                h[c * columns + c] = 1;
            sum += h[c * columns + c];
        }
        double add = damping * sum / columns;
        for (int c = 0; c < columns; c++)
            h[c * columns + c] += add;
    }

    private static float[] InverseFactor(double[] h, int columns, double damping)
    {
        for (int attempt = 0; attempt < 4; attempt++, damping *= 10)
        {
            var damped = (double[])h.Clone();
            Damp(damped, columns, damping);
            if (Cholesky.UpperFactorOfInverse(damped, columns) is { } u)
                return [.. u.Select(x => (float)x)];
        }
        throw new PtqException($"GPTQ: the input Hessian ({columns}×{columns}) stays singular even with damping {damping / 10}; the layer inputs hold NaN or infinity");
    }

    private static double[] Permuted(double[] h, int columns, int[] order)
    {
        var result = new double[h.Length];
        for (int i = 0; i < columns; i++)
            for (int j = 0; j < columns; j++)
                result[i * columns + j] = h[order[i] * columns + order[j]];
        return result;
    }
}

/// <summary>What GPTQ rounds a layer with (<see cref="GptqKernel.Factor"/>).</summary>
/// <param name="Order">Column i of the rounding is column Order[i] of the weights.</param>
/// <param name="Upper">The upper factor U of the damped, permuted inverse Hessian (H⁻¹ = Uᵀ·U), columns × columns, row-major.</param>
internal sealed record GptqFactor(int[] Order, float[] Upper)
{
    /// <summary>The number of columns (inputs).</summary>
    public int Columns => Order.Length;
}
