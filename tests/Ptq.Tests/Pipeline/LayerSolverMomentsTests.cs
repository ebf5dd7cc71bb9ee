using Ptq.Pipeline.Reconstruction;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// The moments reconstruction fits a layer on (<see cref="LayerSolver.Moments"/>): with QDrop-style mixing each input
/// element comes from the quantized model with probability p and from the float model otherwise, and the closed form must
/// equal the expectation over every mask, computed here by enumerating all 2ⁿ masks of each patch.
/// </summary>
public class LayerSolverMomentsTests
{
    private const int Columns = 3;

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.3, false)]
    [InlineData(0.5, true)]
    [InlineData(0.8, true)]
    [InlineData(1.0, true)]
    public void Mixed_moments_equal_the_expectation_over_every_mask(double p, bool centred)
    {
        var (quantized, reference) = Patches(seed: 5, count: 7);
        var statistics = new LayerStatistics(Columns, floatGram: true);
        statistics.Add(quantized, reference, 7);

        var (gram, cross, quantizedMean, floatMean) = LayerSolver.Moments(statistics, centred, p);

        var expectedGram = new double[Columns * Columns];
        var expectedCross = new double[Columns * Columns];
        var mixedMean = new double[Columns];
        for (int patch = 0; patch < 7; patch++)
            for (int mask = 0; mask < 1 << Columns; mask++)
            {
                // Weight of the mask: bit set = element taken from the quantized model (probability p).
                double weight = 1;
                var x = new double[Columns];
                for (int c = 0; c < Columns; c++)
                {
                    bool fromQuantized = (mask >> c & 1) == 1;
                    weight *= fromQuantized ? p : 1 - p;
                    x[c] = fromQuantized ? quantized[patch * Columns + c] : reference[patch * Columns + c];
                }
                weight /= 7;
                for (int i = 0; i < Columns; i++)
                {
                    mixedMean[i] += weight * x[i];
                    for (int j = 0; j < Columns; j++)
                    {
                        expectedGram[i * Columns + j] += weight * x[i] * x[j];
                        expectedCross[i * Columns + j] += weight * x[i] * reference[patch * Columns + j];
                    }
                }
            }
        for (int i = 0; i < Columns; i++)
        {
            Assert.Equal(Enumerable.Range(0, 7).Average(s => (double)quantized[s * Columns + i]), quantizedMean[i], 6);
            Assert.Equal(Enumerable.Range(0, 7).Average(s => (double)reference[s * Columns + i]), floatMean[i], 6);
            for (int j = 0; j < Columns; j++)
            {
                double g = expectedGram[i * Columns + j] - (centred ? mixedMean[i] * mixedMean[j] : 0);
                double c = expectedCross[i * Columns + j] - (centred ? mixedMean[i] * floatMean[j] : 0);
                Assert.Equal(g, gram[i * Columns + j], 1e-5); // products are summed in float per chunk
                Assert.Equal(c, cross[i * Columns + j], 1e-5);
            }
        }
    }

    [Fact]
    public void Mixing_without_the_float_Gram_matrix_is_refused()
    {
        var (quantized, reference) = Patches(seed: 1, count: 4);
        var statistics = new LayerStatistics(Columns);
        statistics.Add(quantized, reference, 4);
        Assert.Null(statistics.FloatGram);
        Assert.Throws<InvalidOperationException>(() => LayerSolver.Moments(statistics, centred: true, p: 0.5));
        // Quantized inputs only need no float Gram matrix.
        var (gram, _, _, _) = LayerSolver.Moments(statistics, centred: false, p: 1);
        Assert.Equal(statistics.QuantizedGram[0] / 4, gram[0], 9);
    }

    /// <summary>Float inputs and quantized ones that differ from them by a seeded rounding-like error.</summary>
    private static (float[] Quantized, float[] Reference) Patches(int seed, int count)
    {
        var random = new Random(seed);
        var reference = new float[count * Columns];
        var quantized = new float[count * Columns];
        for (int i = 0; i < reference.Length; i++)
        {
            reference[i] = (float)(random.NextDouble() * 2);
            quantized[i] = reference[i] + (float)((random.NextDouble() - 0.5) * 0.3);
        }
        return (quantized, reference);
    }
}
