using Ptq.Evaluation;

namespace Ptq.Reports;

/// <summary>
/// Streams a float tensor and its dequantized twin (over many samples): the error sums of
/// <see cref="ErrorSums"/> and the number of float values outside the quantization range of their channel.
/// </summary>
internal sealed class PairAccumulator
{
    private readonly QdqLink _link;
    private double _dot, _floatEnergy, _dequantEnergy, _errorEnergy;
    private long _clipped, _count;

    public PairAccumulator(QdqLink link) => _link = link;

    /// <summary>Adds one sample; <paramref name="shape"/> locates the channel of each value for per-channel parameters.</summary>
    public void Add(ReadOnlySpan<float> original, ReadOnlySpan<float> dequantized, IReadOnlyList<long> shape)
    {
        ErrorSums s = ErrorSums.Of(original, dequantized);
        _dot += s.Dot;
        _floatEnergy += s.ReferenceEnergy;
        _dequantEnergy += s.ActualEnergy;
        _errorEnergy += s.ErrorEnergy;
        _count += s.Count;
        _clipped += ClipCounter.Count(original, shape, _link);
    }

    /// <summary>Fraction of float values outside the quantization range (NaN when empty).</summary>
    public double Clip => _count == 0 ? double.NaN : (double)_clipped / _count;

    /// <summary>Cosine similarity of all float values against all dequantized values, as one long vector.</summary>
    public double Cosine => CosineSimilarity.FromSums(new ErrorSums(_dot, _floatEnergy, _dequantEnergy, _errorEnergy, 0, 0, _count));

    /// <summary>SQNR in dB from the summed energies: <c>10 · log10(Σ r² / Σ (r − x)²)</c>.</summary>
    public double SqnrDb => _count == 0 ? double.NaN : Sqnr.FromEnergies(_floatEnergy, _errorEnergy);
}
