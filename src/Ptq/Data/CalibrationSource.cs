using System.Collections;
using Ptq.Data.Readers;

namespace Ptq.Data;

/// <summary>
/// Zips one or more readers index by index (each sorted by file name), optionally shuffles the joint order with a seed,
/// caps it at the sample limit, and decodes one sample per step of the enumeration.
/// </summary>
internal sealed class CalibrationSource : ICalibrationSource
{
    private readonly IReadOnlyList<SampleReader> _readers;
    private readonly int[] _order;
    private readonly DataSourceOptions _options;
    // Sample indices skipped as corrupt, over every enumeration: a pipeline that reads the first samples again (the
    // accuracy guard's check set) must not reset the count of a full pass.
    private readonly HashSet<int> _skipped = [];

    /// <exception cref="DataSourceException">When the readers hold different numbers of samples; names both sources and counts.</exception>
    public CalibrationSource(IReadOnlyList<SampleReader> readers, IReadOnlyList<ModelInputInfo> inputs, DataSourceOptions options)
    {
        _readers = readers;
        _options = options;
        Inputs = inputs;
        int available = readers[0].Count;
        foreach (SampleReader r in readers)
        {
            if (r.Count != available)
                throw new DataSourceException($"Data sources do not pair up: '{readers[0].SpecPath}' ({string.Join(",", readers[0].Inputs.Select(i => i.Name))}) has {available} samples " +
                    $"but '{r.SpecPath}' ({string.Join(",", r.Inputs.Select(i => i.Name))}) has {r.Count}; samples are matched by sorted file name, so give each input the same number of files.");
        }
        _order = Enumerable.Range(0, available).ToArray();
        if (options.Shuffle) new Random(options.Seed).Shuffle(_order);
        Available = available;
    }

    /// <summary>Samples before the limit.</summary>
    public int Available { get; }

    public int Count => Math.Min(Available, _options.Limit ?? int.MaxValue);

    public int SkippedFiles
    {
        get { lock (_skipped) return _skipped.Count; }
    }

    public IReadOnlyList<ModelInputInfo> Inputs { get; }

    public IEnumerator<CalibrationSample> GetEnumerator()
    {
        int limit = _options.Limit ?? int.MaxValue, yielded = 0;
        foreach (int index in _order)
        {
            if (yielded >= limit) yield break;
            CalibrationSample? sample = TryRead(index);
            if (sample is null) continue;
            yielded++;
            yield return sample;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public IEnumerable<CalibrationSample> Spread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int total = Count;
        foreach (int position in Enumerable.Range(0, Math.Min(count, total)).Select(j => (int)((long)j * total / Math.Min(count, total))))
        {
            if (TryRead(_order[position]) is { } sample)
                yield return sample;
        }
    }

    private CalibrationSample? TryRead(int index)
    {
        var tensors = new Dictionary<string, InputTensor>(StringComparer.Ordinal);
        var names = new List<string>(_readers.Count);
        foreach (SampleReader reader in _readers)
        {
            IReadOnlyList<InputTensor> read;
            try { read = reader.Read(index); }
            catch (CorruptFileException) when (_options.SkipCorrupt)
            {
                // A corrupt file spoils the whole joint sample: the other inputs' files would otherwise pair with the wrong partner.
                lock (_skipped) _skipped.Add(index);
                return null;
            }
            foreach (InputTensor t in read)
            {
                ThrowIfNotFinite(t, reader, index);
                tensors[t.Name] = t;
            }
            names.Add(reader.ItemName(index));
        }
        return new CalibrationSample(tensors, string.Join(" + ", names));
    }

    /// <summary>
    /// NaN or ±Infinity in a sample would poison every range it reaches; report it here, where the file is known,
    /// rather than as a failing observer deep in calibration.
    /// </summary>
    private static void ThrowIfNotFinite(InputTensor tensor, SampleReader reader, int index)
    {
        int bad = tensor.Data switch
        {
            float[] f => Array.FindIndex(f, v => !float.IsFinite(v)),
            double[] d => Array.FindIndex(d, v => !double.IsFinite(v)),
            Half[] h => Array.FindIndex(h, v => !Half.IsFinite(v)),
            _ => -1,
        };
        if (bad >= 0)
            throw new DataSourceException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"'{reader.ItemName(index)}' (in '{reader.SpecPath}'): input '{tensor.Name}' holds {tensor.Data.GetValue(bad)} at element {bad}; calibration data must be finite (check the file and the preprocessing, e.g. a zero --std)."));
    }
}
