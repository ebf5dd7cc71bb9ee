using Ptq.Quantization.Reconstruction;

namespace Ptq.Tests.Quantization.Reconstruction;

/// <summary>
/// A seeded layer reconstruction problem: weights W (rows × columns), inputs X (samples × columns) with correlated
/// features (X = Z·M plus a per-feature offset, as activations after a ReLU have), their Gram matrix H = XᵀX, and a
/// 4-bit symmetric per-row min-max grid.
/// </summary>
internal sealed class LayerProblem
{
    public LayerProblem(int rows, int columns, int samples, int seed, int bits = 4)
    {
        Rows = rows;
        Columns = columns;
        var random = new Random(seed);
        Weights = new float[rows * columns];
        for (int i = 0; i < Weights.Length; i++)
            Weights[i] = (float)(Gaussian(random) * 0.1);
        var mixing = new double[columns * columns];
        for (int i = 0; i < mixing.Length; i++)
            mixing[i] = Gaussian(random) / Math.Sqrt(columns);
        for (int i = 0; i < columns; i++)
            mixing[i * columns + i] += 1;
        Inputs = new float[samples * columns];
        var z = new double[columns];
        for (int s = 0; s < samples; s++)
        {
            for (int c = 0; c < columns; c++)
                z[c] = Gaussian(random);
            for (int c = 0; c < columns; c++)
            {
                double x = 0.5 + 0.1 * c / columns;
                for (int k = 0; k < columns; k++)
                    x += z[k] * mixing[k * columns + c];
                Inputs[s * columns + c] = (float)x;
            }
        }
        Hessian = new double[columns * columns];
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < columns; i++)
                for (int j = 0; j < columns; j++)
                    Hessian[i * columns + j] += (double)Inputs[s * columns + i] * Inputs[s * columns + j];
        int qmax = (1 << (bits - 1)) - 1;
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            float max = 0;
            for (int c = 0; c < columns; c++)
                max = Math.Max(max, Math.Abs(Weights[r * columns + c]));
            scales[r] = max / qmax;
        }
        Grid = new RowGrid(scales, new int[rows], -qmax, qmax);
    }

    public int Rows { get; }
    public int Columns { get; }
    public float[] Weights { get; }
    public float[] Inputs { get; }
    public double[] Hessian { get; }
    public RowGrid Grid { get; }

    /// <summary>Σ over samples of ‖(Ŵ − W)·x‖², computed directly from the inputs.</summary>
    public double Loss(int[] codes)
    {
        var values = Grid.Values(codes, Columns);
        double loss = 0;
        int samples = Inputs.Length / Columns;
        for (int s = 0; s < samples; s++)
            for (int r = 0; r < Rows; r++)
            {
                double e = 0;
                for (int c = 0; c < Columns; c++)
                    e += (values[r * Columns + c] - Weights[r * Columns + c]) * (double)Inputs[s * Columns + c];
                loss += e * e;
            }
        return loss;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
