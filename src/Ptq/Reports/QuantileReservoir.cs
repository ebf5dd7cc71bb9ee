namespace Ptq.Reports;

/// <summary>
/// A uniform random sample of at most <see cref="Capacity"/> values from a stream (reservoir sampling, Li's
/// "Algorithm L" with geometric skips, <see cref="Random"/> seeded with a fixed seed, so the sample is reproducible).
/// While no more than <see cref="Capacity"/> values have been seen, the reservoir holds all of them and the quantiles
/// are exact; beyond that they are estimates from the sample. Memory: <see cref="Capacity"/> floats.
/// </summary>
internal sealed class QuantileReservoir
{
    /// <summary>Default capacity: 65 536 values (256 KiB).</summary>
    public const int DefaultCapacity = 1 << 16;

    private readonly float[] _values;
    private readonly Random _random;
    private long _seen;
    private long _nextReplace;
    private double _w;

    public QuantileReservoir(int capacity = DefaultCapacity, int seed = 20240)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _values = new float[capacity];
        _random = new Random(seed);
    }

    public int Capacity => _values.Length;

    /// <summary>Values seen so far.</summary>
    public long Seen => _seen;

    /// <summary>True while every value seen is held (quantiles are exact).</summary>
    public bool IsExact => _seen <= Capacity;

    /// <summary>The held values (all values seen while <see cref="IsExact"/>).</summary>
    public ReadOnlySpan<float> Sample => _values.AsSpan(0, (int)Math.Min(_seen, Capacity));

    public void Add(ReadOnlySpan<float> values)
    {
        int i = 0;
        // Fill phase.
        while (i < values.Length && _seen < Capacity)
        {
            _values[_seen++] = values[i++];
            if (_seen == Capacity) StartSkipping();
        }
        // Skip phase: jump straight to the next value that replaces a random slot.
        while (i < values.Length)
        {
            long remaining = _nextReplace - _seen;
            if (remaining >= values.Length - i)
            {
                _seen += values.Length - i;
                return;
            }
            i += (int)remaining;
            _seen += remaining;
            _values[_random.Next(Capacity)] = values[i++];
            _seen++;
            _w *= Math.Exp(Math.Log(NextOpen()) / Capacity);
            ScheduleNext();
        }
    }

    /// <summary>
    /// The <paramref name="q"/>-quantile (0 ≤ q ≤ 1) of the held values, interpolating linearly between order statistics
    /// (numpy's default): sorted v₀ ≤ … ≤ vₙ₋₁, position <c>h = q · (n − 1)</c>, value <c>v⌊h⌋ + (h − ⌊h⌋)(v⌈h⌉ − v⌊h⌋)</c>.
    /// NaN when empty.
    /// </summary>
    public double[] Quantiles(params double[] q)
    {
        float[] sorted = Sample.ToArray();
        Array.Sort(sorted);
        return [.. q.Select(p => Quantile(sorted, p))];
    }

    /// <summary>The <paramref name="q"/>-quantile of ascending <paramref name="sorted"/> (see <see cref="Quantiles"/>).</summary>
    public static double Quantile(ReadOnlySpan<float> sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        double h = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(h), hi = (int)Math.Ceiling(h);
        return sorted[lo] + ((h - lo) * ((double)sorted[hi] - sorted[lo]));
    }

    private void StartSkipping()
    {
        _w = Math.Exp(Math.Log(NextOpen()) / Capacity);
        ScheduleNext();
    }

    private void ScheduleNext()
    {
        double skip = Math.Floor(Math.Log(NextOpen()) / Math.Log(1 - _w));
        _nextReplace = _seen + (long)Math.Min(skip, long.MaxValue / 4);
    }

    private double NextOpen()
    {
        double u;
        do u = _random.NextDouble(); while (u == 0);
        return u;
    }
}
