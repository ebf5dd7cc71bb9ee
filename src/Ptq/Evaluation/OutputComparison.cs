using System.Numerics.Tensors;

namespace Ptq.Evaluation;

/// <summary>
/// Streaming comparison of a model's outputs with a reference's over many samples. Each <see cref="Add"/> folds one sample
/// into running sums, so memory does not depend on the number of samples. Not thread-safe: add from one thread.
/// </summary>
internal sealed class OutputComparison
{
    private readonly KeyValuePair<string, Func<ReadOnlySpan<float>, ReadOnlySpan<float>, double>>[] _custom;
    private readonly RunningStats[] _customStats;
    private RunningStats _cosine;
    private RunningStats _sampleSqnr;
    private RunningStats _disagreementGap;
    private readonly long[] _margins = new long[MarginBins + 1];
    private const int MarginBins = 1000;
    private double _signalEnergy, _noiseEnergy, _absErrorSum, _maxAbsError;
    private long _elements, _rows, _agreements;

    /// <summary>
    /// Creates an empty comparison. <paramref name="customMetrics"/> are user metrics <c>f(reference, actual)</c>, evaluated
    /// once per sample and summarised (mean, min, max) under their key in <see cref="ComparisonSummary.Custom"/>.
    /// </summary>
    public OutputComparison(IReadOnlyDictionary<string, Func<ReadOnlySpan<float>, ReadOnlySpan<float>, double>>? customMetrics = null)
    {
        _custom = customMetrics is null ? [] : [.. customMetrics.OrderBy(m => m.Key, StringComparer.Ordinal)];
        _customStats = new RunningStats[_custom.Length];
    }

    /// <summary>Samples added so far.</summary>
    public long Count => _cosine.Count;

    /// <summary>
    /// Adds one sample: its cosine, SQNR and custom metrics over the whole tensor, its energies and errors into the totals,
    /// and argmax agreement per row of <paramref name="rowLength"/> values (the class axis, innermost; 0 = the whole tensor
    /// is one row). A trailing partial row is ignored.
    /// </summary>
    /// <exception cref="ArgumentException">When the spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="rowLength"/> is negative.</exception>
    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual, int rowLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowLength);
        ErrorSums s = ErrorSums.Of(reference, actual);
        _cosine.Add(CosineSimilarity.FromSums(s));
        _sampleSqnr.Add(Sqnr.FromEnergies(s.ReferenceEnergy, s.ErrorEnergy));
        _signalEnergy += s.ReferenceEnergy;
        _noiseEnergy += s.ErrorEnergy;
        _absErrorSum += s.AbsErrorSum;
        _maxAbsError = Math.Max(_maxAbsError, s.MaxAbsError); // errors are ≥ 0, so starting at 0 is exact; NaN propagates
        _elements += s.Count;
        int row = rowLength == 0 ? reference.Length : rowLength;
        for (int start = 0; row > 0 && start + row <= reference.Length; start += row)
        {
            _rows++;
            AddRow(reference.Slice(start, row), actual.Slice(start, row));
        }
        for (int i = 0; i < _custom.Length; i++) _customStats[i].Add(_custom[i].Value(reference, actual));
    }

    private void AddRow(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        int expected = TopK.Argmax(reference), chosen = TopK.Argmax(actual);
        float top = reference[expected], spread = top - TensorPrimitives.Min(reference);
        float second = float.NegativeInfinity;
        for (int i = 0; i < reference.Length; i++)
            if (i != expected && reference[i] > second) second = reference[i];
        double margin = reference.Length < 2 ? 0 : Gap(top, second, spread);
        _margins[double.IsNaN(margin) ? 0 : (int)Math.Round(Math.Clamp(margin, 0, 1) * MarginBins)]++;
        if (expected == chosen)
            _agreements++;
        else
            _disagreementGap.Add(Gap(top, reference[chosen], spread));
    }

    private static double Gap(float top, float other, float spread) => spread > 0 ? (top - other) / (double)spread : 0;

    private double CloseRows()
    {
        var gap = _disagreementGap.ToSummary();
        long total = _margins.Sum();
        if (gap.Count == 0 || total == 0 || double.IsNaN(gap.Max))
            return double.NaN;
        int last = (int)Math.Round(Math.Clamp(gap.Max, 0, 1) * MarginBins);
        return _margins.Take(last + 1).Sum() / (double)total;
    }

    /// <summary>The aggregate over every sample added so far (see <see cref="ComparisonSummary"/> for the formulas).</summary>
    public ComparisonSummary ToSummary() => new(
        Count,
        _cosine.ToSummary(),
        Count == 0 ? double.NaN : Sqnr.FromEnergies(_signalEnergy, _noiseEnergy),
        _sampleSqnr.ToSummary(),
        _elements == 0 ? double.NaN : _absErrorSum / _elements,
        Count == 0 ? double.NaN : _maxAbsError,
        _rows,
        _agreements,
        _custom.Select((m, i) => (m.Key, _customStats[i].ToSummary())).ToDictionary(p => p.Key, p => p.Item2, StringComparer.Ordinal),
        _disagreementGap.ToSummary(),
        CloseRows());
}
