using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Bench;

/// <summary>
/// The reconstruction kernels on SqueezeNet's largest 3×3 layer shape (fire9/expand3x3: 256 outputs × 576 inputs) and
/// its classifier (conv10: 1000 × 512): the product Error·C that every AdaRound step costs (register-tiled Vector512
/// kernel against plain TensorPrimitives row updates), a whole GPTQ quantization (factorisation included), and 100
/// AdaRound steps. Inputs: seeded Gaussian weights and the Gram matrix of 4096 seeded correlated patches.
/// Run: dotnet run -c Release --project bench/Ptq.Bench -- --filter '*ReconstructionBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ReconstructionBenchmarks
{
    private float[] _weights = [];
    private float[] _gram = [];
    private double[] _gramDouble = [];
    private float[] _product = [];
    private RowGrid _grid = null!;

    [Params("256x576", "1000x512")]
    public string Shape { get; set; } = "256x576";

    private int Rows => int.Parse(Shape.Split('x')[0]);

    private int Columns => int.Parse(Shape.Split('x')[1]);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        int rows = Rows, columns = Columns, patches = 4096;
        _weights = [.. Enumerable.Range(0, rows * columns).Select(_ => (float)(Gaussian(random) * 0.05))];
        var x = new float[patches * columns];
        for (int p = 0; p < patches; p++)
        {
            double shared = Gaussian(random);
            for (int c = 0; c < columns; c++)
                x[p * columns + c] = (float)Math.Max(0, 0.6 * shared + Gaussian(random));
        }
        _gram = new float[columns * columns];
        MatrixKernels.MultiplyTransposedLeft(x, x, _gram, patches, columns, columns, new float[patches * columns]);
        TensorPrimitives.Divide(_gram, patches, _gram);
        _gramDouble = [.. _gram.Select(v => (double)v)];
        _product = new float[rows * columns];
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
            scales[r] = TensorPrimitives.MaxMagnitude(_weights.AsSpan(r * columns, columns)) / 7;
        _grid = new RowGrid(scales, new int[rows], -7, 7);
    }

    [Benchmark(Baseline = true)]
    public void ProductRowUpdates()
    {
        int k = Columns, n = Columns;
        Array.Clear(_product);
        for (int i = 0; i < Rows; i++)
        {
            var row = _product.AsSpan(i * n, n);
            for (int kk = 0; kk < k; kk++)
                TensorPrimitives.MultiplyAdd(_gram.AsSpan(kk * n, n), _weights[i * k + kk], row, row);
        }
    }

    [Benchmark]
    public void ProductTiled() => MatrixKernels.Multiply(_weights, _gram, _product, Rows, Columns, Columns);

    [Benchmark]
    public int[] Gptq() => GptqKernel.Quantize(_weights, Columns, _gramDouble, _grid);

    [Benchmark]
    public int[] AdaRound100Steps() => AdaRoundKernel.Quantize(_weights, Columns, _gramDouble, _grid, new AdaRoundOptions(Iterations: 100));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
