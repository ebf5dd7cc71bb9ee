using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>
/// What reconstruction needs from one group of a layer's inputs, accumulated over patches in bounded memory (two
/// columns × columns Gram matrices and two means, whatever the number of samples): the Gram matrix of the inputs the
/// quantized model feeds the layer, <c>Σ x̂·x̂ᵀ</c>, their cross products with the float model's inputs at the same
/// positions, <c>Σ x̂·xᵀ</c>, and the sums of both. Patches arrive in chunks (rows of a chunk × columns matrix) whose
/// products run in float on <see cref="MatrixKernels"/> and are summed in double. When asked, the float inputs' own Gram
/// matrix <c>Σ x·xᵀ</c> is kept too (what mixing float and quantized inputs needs, see
/// <see cref="WeightReconstructionSettings.QuantizedInputShare"/>).
/// </summary>
internal sealed class LayerStatistics(int columns, bool floatGram = false)
{
    private readonly float[] _gram = new float[columns * columns];
    private float[] _transposed = [];

    /// <summary>Input values per patch.</summary>
    public int Columns { get; } = columns;

    /// <summary>Patches seen.</summary>
    public long Count { get; private set; }

    /// <summary>Σ x̂·x̂ᵀ over patches of the quantized model's inputs.</summary>
    public double[] QuantizedGram { get; } = new double[columns * columns];

    /// <summary>Σ x̂·xᵀ: quantized-model inputs times float-model inputs at the same positions.</summary>
    public double[] CrossGram { get; } = new double[columns * columns];

    /// <summary>Σ x·xᵀ over patches of the float model's inputs, or null when not asked for.</summary>
    public double[]? FloatGram { get; } = floatGram ? new double[columns * columns] : null;

    /// <summary>Σ x̂ over patches.</summary>
    public double[] QuantizedSum { get; } = new double[columns];

    /// <summary>Σ x over patches.</summary>
    public double[] FloatSum { get; } = new double[columns];

    /// <summary>Adds <paramref name="rows"/> patches (row-major, <see cref="Columns"/> wide) of both models.</summary>
    public void Add(float[] quantized, float[] reference, int rows)
    {
        if (rows == 0)
            return;
        if (_transposed.Length < rows * Columns)
            _transposed = new float[rows * Columns];
        AddProduct(quantized, quantized, rows, QuantizedGram);
        AddProduct(quantized, reference, rows, CrossGram);
        if (FloatGram is not null)
            AddProduct(reference, reference, rows, FloatGram);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                QuantizedSum[c] += quantized[r * Columns + c];
                FloatSum[c] += reference[r * Columns + c];
            }
        Count += rows;
    }

    private void AddProduct(float[] left, float[] right, int rows, double[] sum)
    {
        Array.Clear(_gram);
        MatrixKernels.MultiplyTransposedLeft(left, right, _gram, rows, Columns, Columns, _transposed);
        for (int i = 0; i < _gram.Length; i++)
            sum[i] += _gram[i];
    }
}
