namespace Ptq.Evaluation;

/// <summary>Signal-to-quantization-noise ratio in decibels.</summary>
internal static class Sqnr
{
    /// <summary>
    /// <c>SQNR = 10 · log10(Σ rᵢ² / Σ (rᵢ − xᵢ)²)</c> dB, sums in double. Identical inputs (zero noise, including two
    /// all-zero or empty vectors) give +∞; a zero reference with non-zero noise gives −∞. NaN in either input gives NaN.
    /// </summary>
    /// <exception cref="ArgumentException">When the spans differ in length.</exception>
    public static double Decibels(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        ErrorSums s = ErrorSums.Of(reference, actual);
        return FromEnergies(s.ReferenceEnergy, s.ErrorEnergy);
    }

    /// <summary>
    /// <c>10 · log10(signal / noise)</c> from energies (sums of squares): +∞ when <paramref name="noiseEnergy"/> is 0,
    /// −∞ when only <paramref name="signalEnergy"/> is 0.
    /// </summary>
    public static double FromEnergies(double signalEnergy, double noiseEnergy)
    {
        if (double.IsNaN(signalEnergy) || double.IsNaN(noiseEnergy)) return double.NaN;
        if (noiseEnergy == 0) return double.PositiveInfinity;
        return 10 * Math.Log10(signalEnergy / noiseEnergy);
    }
}
