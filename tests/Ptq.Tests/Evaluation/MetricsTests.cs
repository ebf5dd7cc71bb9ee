using Ptq.Evaluation;

namespace Ptq.Tests.Evaluation;

public class MetricsTests
{
    [Fact]
    public void Cosine_of_hand_computed_vectors()
    {
        Assert.Equal(1 / Math.Sqrt(2), CosineSimilarity.Compute([1, 0], [1, 1]), 15);
        Assert.Equal(-1, CosineSimilarity.Compute([1, 2, 3], [-2, -4, -6]), 15);
        Assert.Equal(0, CosineSimilarity.Compute([1, 0], [0, 5]));
        Assert.Equal(1, CosineSimilarity.Compute([0.1f, 0.2f, 0.3f], [0.1f, 0.2f, 0.3f]));
        // Identical vectors are exactly 1, not one ulp below (√Σr²·√Σx² rounds).
        var random = new Random(7);
        float[] v = [.. Enumerable.Range(0, 1000).Select(_ => (float)random.NextDouble())];
        Assert.Equal(1, CosineSimilarity.Compute(v, v));
    }

    [Fact]
    public void Zero_vectors_have_defined_results()
    {
        // Two zero vectors are identical: cosine 1, SQNR +inf. One zero vector: cosine 0; zero reference with noise: SQNR -inf.
        Assert.Equal(1, CosineSimilarity.Compute([0, 0], [0, 0]));
        Assert.Equal(1, CosineSimilarity.Compute([], []));
        Assert.Equal(0, CosineSimilarity.Compute([0, 0], [1, 2]));
        Assert.Equal(0, CosineSimilarity.Compute([1, 2], [0, 0]));
        Assert.Equal(double.PositiveInfinity, Sqnr.Decibels([0, 0], [0, 0]));
        Assert.Equal(double.NegativeInfinity, Sqnr.Decibels([0, 0], [1, 0]));
        Assert.Equal(0, MaxAbsError.Compute([], []));
        Assert.Equal(0, MeanAbsError.Compute([], []));
    }

    [Fact]
    public void Sqnr_of_known_signal_and_noise()
    {
        // Signal energy 3²+4² = 25, noise (0.5)² = 0.25: 10·log10(100) = 20 dB.
        Assert.Equal(20, Sqnr.Decibels([3, 4], [3, 4.5f]), 12);
        // Signal 1+1+1+1 = 4, noise 4·0.1² = 0.04 (0.1 is not exact in float, so compare with the float values' energy).
        float d = 1f - 0.9f;
        Assert.Equal(10 * Math.Log10(4 / (4.0 * d * d)), Sqnr.Decibels([1, 1, 1, 1], [0.9f, 0.9f, 0.9f, 0.9f]), 10);
        Assert.Equal(double.PositiveInfinity, Sqnr.Decibels([1, -2, 3], [1, -2, 3]));
        Assert.Equal(3.0103, Sqnr.FromEnergies(2, 1), 4);
    }

    [Fact]
    public void Abs_errors_of_hand_computed_vectors()
    {
        Assert.Equal(3, MaxAbsError.Compute([1, 2, 3], [1, -1, 3.5f]));
        Assert.Equal((0 + 3 + 0.5) / 3, MeanAbsError.Compute([1, 2, 3], [1, -1, 3.5f]), 15);
    }

    [Fact]
    public void NaN_propagates()
    {
        Assert.True(double.IsNaN(CosineSimilarity.Compute([1, float.NaN], [1, 1])));
        Assert.True(double.IsNaN(Sqnr.Decibels([1, 1], [float.NaN, 1])));
        Assert.True(double.IsNaN(MaxAbsError.Compute([1, 1], [float.NaN, 1])));
    }

    [Fact]
    public void Length_mismatch_is_an_argument_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => CosineSimilarity.Compute([1, 2], [1]));
        Assert.Contains("2 values", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_length_0_to_256_matches_naive_double_loops()
    {
        // Lengths cross the 1024-chunk boundary too, so the chunked driver's tails are covered.
        var random = new Random(1234);
        foreach (int n in Enumerable.Range(0, 257).Concat([1023, 1024, 1025, 3000]))
        {
            float[] r = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2))];
            float[] x = [.. r.Select(v => v + (float)(random.NextDouble() * 0.2 - 0.1))];
            double dot = 0, rr = 0, xx = 0, dd = 0, abs = 0, max = 0;
            for (int i = 0; i < n; i++)
            {
                double a = r[i], b = x[i];
                dot += a * b; rr += a * a; xx += b * b; dd += (a - b) * (a - b); abs += Math.Abs(a - b); max = Math.Max(max, Math.Abs(a - b));
            }
            double tolerance = 1e-12 * Math.Max(1, n);
            Assert.Equal(n == 0 ? 1 : dot / Math.Sqrt(rr) / Math.Sqrt(xx), CosineSimilarity.Compute(r, x), tolerance);
            Assert.Equal(n == 0 ? double.PositiveInfinity : 10 * Math.Log10(rr / dd), Sqnr.Decibels(r, x), n == 0 ? 0 : 1e-9);
            Assert.Equal(max, MaxAbsError.Compute(r, x));
            Assert.Equal(n == 0 ? 0 : abs / n, MeanAbsError.Compute(r, x), tolerance);
        }
    }

    [Fact]
    public void Top_k_ranks_ties_by_lower_index()
    {
        float[] s = [0.1f, 0.5f, 0.3f, 0.5f, 0.2f];
        Assert.Equal(1, TopK.Argmax(s));
        Assert.Equal([1, 3, 2], TopK.Indices(s, 3));
        Assert.True(TopK.Contains(s, 1, 1));
        Assert.False(TopK.Contains(s, 3, 1)); // tied with index 1, which ranks first
        Assert.True(TopK.Contains(s, 3, 2));
        Assert.False(TopK.Contains(s, 4, 3));
        Assert.True(TopK.Contains(s, 4, 4));
        Assert.True(TopK.Contains(s, 0, 5));
        Assert.Equal([1, 3, 2, 4, 0], TopK.Indices(s, 10));
        Assert.False(TopK.Contains([float.NaN, 1], 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Contains(s, 5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Contains(s, 0, 0));
    }
}
