using Ptq.Evaluation;

namespace Ptq.Reports;

/// <summary>
/// Streams a float tensor and its dequantized twin (over many samples) into the error sums of <see cref="ErrorSums"/>.
/// </summary>
internal sealed class PairAccumulator
{
    private double _dot, _floatEnergy, _dequantEnergy, _errorEnergy;
    private long _count;

    /// <summary>Adds one sample.</summary>
    public void Add(ReadOnlySpan<float> original, ReadOnlySpan<float> dequantized)
    {
        ErrorSums s = ErrorSums.Of(original, dequantized);
        _dot += s.Dot;
        _floatEnergy += s.ReferenceEnergy;
        _dequantEnergy += s.ActualEnergy;
        _errorEnergy += s.ErrorEnergy;
        _count += s.Count;
    }

    /// <summary>Cosine similarity of all float values against all dequantized values, as one long vector.</summary>
    public double Cosine => CosineSimilarity.FromSums(new ErrorSums(_dot, _floatEnergy, _dequantEnergy, _errorEnergy, 0, 0, _count));

    /// <summary>SQNR in dB from the summed energies: <c>10 · log10(Σ r² / Σ (r − x)²)</c>.</summary>
    public double SqnrDb => _count == 0 ? double.NaN : Sqnr.FromEnergies(_floatEnergy, _errorEnergy);
}
