namespace Ptq.Evaluation;

/// <summary>Cosine similarity of two vectors.</summary>
internal static class CosineSimilarity
{
    /// <summary>
    /// <c>cos(r, x) = Σ rᵢxᵢ / (√Σ rᵢ² · √Σ xᵢ²)</c>, sums in double, clamped to [−1, 1] against rounding.
    /// Identical vectors give exactly 1. Zero vectors: two all-zero (or empty) vectors are identical, so 1; exactly one
    /// all-zero vector gives 0.
    /// NaN in either input gives NaN.
    /// </summary>
    /// <exception cref="ArgumentException">When the spans differ in length.</exception>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual) => FromSums(ErrorSums.Of(reference, actual));

    internal static double FromSums(in ErrorSums s)
    {
        if (double.IsNaN(s.Dot) || double.IsNaN(s.ReferenceEnergy) || double.IsNaN(s.ActualEnergy)) return double.NaN;
        // Identical vectors give exactly 1: √Σr² · √Σx² can round one ulp away from Σ r·x.
        if (s.ErrorEnergy == 0 || (s.ReferenceEnergy == 0 && s.ActualEnergy == 0)) return 1;
        if (s.ReferenceEnergy == 0 || s.ActualEnergy == 0) return 0;
        return Math.Clamp(s.Dot / (Math.Sqrt(s.ReferenceEnergy) * Math.Sqrt(s.ActualEnergy)), -1, 1);
    }
}
