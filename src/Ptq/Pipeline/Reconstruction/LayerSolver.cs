using System.Numerics.Tensors;

using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>The codes reconstruction chose for one layer, its refitted bias, and how much error it left.</summary>
/// <param name="Codes">Codes in the weight tensor's layout.</param>
/// <param name="Parameters">The grid of <paramref name="Codes"/> (per-channel scales may have moved, see <see cref="ClipSearch"/>).</param>
/// <param name="Bias">The refitted float bias (one per output channel), or null when the layer's bias is not refitted.</param>
/// <param name="Error">Output error left by <paramref name="Codes"/> beyond the best float weights (mean square per output).</param>
/// <param name="NearestError">The same for round-to-nearest codes.</param>
internal sealed record SolvedLayer(int[] Codes, QuantParams Parameters, float[]? Bias, double Error, double NearestError);

/// <summary>
/// Reconstruction of one layer from the statistics of its inputs, group by group. The objective is the asymmetric one
/// of AdaRound: the quantized layer reading the quantized model's inputs x̂ should reproduce the float layer reading the
/// float model's inputs x, <c>E‖W·x − Ŵ·x̂‖²</c>. It is a quadratic in Ŵ, so with C = E[x̂·x̂ᵀ] and
/// <c>W* = W + W·(E[x·x̂ᵀ] − C)·C⁻¹</c> (the best float weights for x̂; W itself when x̂ = x) it equals
/// <c>E‖(Ŵ − W*)·x̂‖²</c> plus a constant: GPTQ and AdaRound then round W* with the Gram matrix C. When the layer's bias can
/// be refitted, the moments are centred and the bias takes the mean difference <c>W·E[x] − Ŵ·E[x̂]</c>, so the output
/// mean is kept exactly (bias correction measured with the quantized inputs).
/// </summary>
internal static class LayerSolver
{
    /// <summary>
    /// Reconstructs <paramref name="layer"/>; <paramref name="nearest"/> are its round-to-nearest codes. The last three
    /// regularise the target (see <see cref="WeightReconstructionSettings"/>): <paramref name="blend"/> moves it only
    /// part of the way from W to W*, <paramref name="targetDamping"/> (NaN: <paramref name="damping"/>) is its ridge, and
    /// below 1 <paramref name="quantizedShare"/> solves the QDrop-style objective whose inputs are quantized element by
    /// element with that probability (the statistics must then hold the float Gram matrix).
    /// </summary>
    public static SolvedLayer Solve(ReconstructionLayer layer, LayerStatistics[] statistics, int[] nearest, Func<float[], double[], GptqFactor, RowGrid, int[]> round,
        bool asymmetric = true, bool refitBias = true, bool searchClip = true, bool actOrder = false, double damping = GptqKernel.DefaultDamping,
        double blend = 1, double targetDamping = double.NaN, double quantizedShare = 1)
    {
        var geometry = layer.Geometry;
        int rows = geometry.Rows, columns = geometry.Columns;
        var codes = (int[])nearest.Clone();
        var scales = (float[])layer.Parameters.Scales.Clone();
        // Per-tensor scales are shared by every group and row, so only per-channel ones are searched.
        searchClip &= layer.Parameters.IsPerChannel;
        float[]? bias = refitBias && layer.Bias is { } slot ? (float[])slot.Values.Clone() : null;
        double error = 0, nearestError = 0;
        for (int g = 0; g < geometry.Groups; g++)
        {
            var s = statistics[g];
            if (s.Count == 0)
                continue;
            var weights = geometry.Matrix(layer.Weight, g);
            var original = layer.Grid(g);
            var grid = original;
            var (gram, cross, quantizedMean, floatMean) = Moments(s, centred: bias is not null, quantizedShare);
            // One factorization of the inputs' Hessian serves the target, the clip search and GPTQ's rounding (a second
            // one only when the target has a ridge of its own).
            var factor = GptqKernel.Factor(gram, columns, actOrder, damping);
            var targetFactor = double.IsNaN(targetDamping) || targetDamping == damping ? factor : GptqKernel.Factor(gram, columns, actOrder, targetDamping);
            var target = asymmetric ? Target(weights, cross, gram, targetFactor, rows, blend) : weights;
            if (searchClip)
            {
                grid = ClipSearch.Search(target, gram, factor, grid);
                for (int r = 0; r < rows; r++)
                    scales[geometry.Channel(g, r)] = grid.Scales[r];
            }
            var chosen = round(target, gram, factor, grid);
            var groupNearest = new int[rows * columns];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    int index = geometry.WeightIndex(g, r, c);
                    codes[index] = chosen[r * columns + c];
                    groupNearest[r * columns + c] = nearest[index];
                }
            var values = grid.Values(chosen, columns);
            error += Excess(values, target, gram, rows, columns);
            nearestError += Excess(original.Values(groupNearest, columns), target, gram, rows, columns);
            if (bias is not null)
                for (int r = 0; r < rows; r++)
                {
                    double shift = 0;
                    for (int c = 0; c < columns; c++)
                        shift += weights[r * columns + c] * floatMean[c] - values[r * columns + c] * quantizedMean[c];
                    bias[geometry.Output(g, r)] += (float)shift;
                }
        }
        int outputs = geometry.Groups * rows;
        var parameters = new QuantParams(scales, layer.Parameters.ZeroPoints, layer.Parameters.Scheme, layer.Parameters.Axis);
        return new SolvedLayer(codes, parameters, bias, error / outputs, nearestError / outputs);
    }

    /// <summary>
    /// C = E[x̃·x̃ᵀ] and E[x̃·xᵀ] (centred when asked) of the inputs the layer is fitted on, and the means of the quantized
    /// and float inputs. With <paramref name="p"/> = 1, x̃ = x̂. Below 1 each element of x̃ is x̂'s with probability p
    /// and x's otherwise, independently: off the diagonal E[x̃ᵢx̃ⱼ] = p²·E[x̂ᵢx̂ⱼ] + p(1−p)·(E[x̂ᵢxⱼ] + E[xᵢx̂ⱼ]) + (1−p)²·E[xᵢxⱼ],
    /// on it p·E[x̂ᵢ²] + (1−p)·E[xᵢ²], and E[x̃ᵢxⱼ] = p·E[x̂ᵢxⱼ] + (1−p)·E[xᵢxⱼ].
    /// </summary>
    internal static (double[] Gram, double[] Cross, double[] QuantizedMean, double[] FloatMean) Moments(LayerStatistics s, bool centred, double p = 1)
    {
        int n = s.Columns;
        double count = s.Count;
        var qm = s.QuantizedSum.Select(v => v / count).ToArray();
        var fm = s.FloatSum.Select(v => v / count).ToArray();
        var floatGram = s.FloatGram;
        if (p < 1 && floatGram is null)
            throw new InvalidOperationException("mixing float and quantized inputs needs the float inputs' Gram matrix");
        var mean = qm.Zip(fm, (q, f) => p * q + (1 - p) * f).ToArray();
        var gram = new double[n * n];
        var cross = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double q = s.QuantizedGram[i * n + j] / count, x = s.CrossGram[i * n + j] / count;
                double g = q, c = x;
                if (p < 1)
                {
                    double f = floatGram![i * n + j] / count;
                    g = i == j ? p * q + (1 - p) * f : p * p * q + p * (1 - p) * (x + s.CrossGram[j * n + i] / count) + (1 - p) * (1 - p) * f;
                    c = p * x + (1 - p) * f;
                }
                gram[i * n + j] = g - (centred ? mean[i] * mean[j] : 0);
                cross[i * n + j] = c - (centred ? mean[i] * fm[j] : 0);
            }
        return (gram, cross, qm, fm);
    }

    /// <summary>
    /// W + blend·W·(E[x·x̂ᵀ] − C)·(C + λI)⁻¹ (blend 1: W*), with the ridge λ of <paramref name="factor"/>'s damping (the
    /// inverse from <paramref name="factor"/>).
    /// </summary>
    private static float[] Target(float[] weights, double[] cross, double[] gram, GptqFactor factor, int rows, double blend)
    {
        int n = factor.Columns;
        var difference = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                difference[i * n + j] = (float)(cross[j * n + i] - gram[i * n + j]);
        var moved = new float[rows * n];
        MatrixKernels.Multiply(weights, difference, moved, rows, n, n);
        // moved·H⁻¹ = ((moved·P)·Uᵀ·U)·Pᵀ with the factor's column order P: two rows × n × n products, no n³ inverse.
        var (order, upper) = (factor.Order, factor.Upper);
        var permuted = new float[rows * n];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n; i++)
                permuted[r * n + i] = moved[r * n + order[i]];
        var transposed = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                transposed[j * n + i] = upper[i * n + j];
        var half = new float[rows * n];
        MatrixKernels.Multiply(permuted, transposed, half, rows, n, n);
        MatrixKernels.Multiply(half, upper, permuted, rows, n, n);
        var delta = new float[rows * n];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n; i++)
                delta[r * n + order[i]] = permuted[r * n + i];
        if (blend != 1)
            TensorPrimitives.Multiply(delta, (float)blend, delta);
        TensorPrimitives.Add(weights, delta, delta);
        return delta;
    }

    /// <summary>Σ over rows of (v − t)·C·(v − t)ᵀ: the output error beyond the target's.</summary>
    internal static double Excess(float[] values, float[] target, double[] gram, int rows, int n)
    {
        var difference = new float[rows * n];
        TensorPrimitives.Subtract(values, target, difference);
        var c = gram.Select(x => (float)x).ToArray();
        var product = new float[rows * n];
        MatrixKernels.Multiply(difference, c, product, rows, n, n);
        return TensorPrimitives.Dot(difference, product);
    }
}
