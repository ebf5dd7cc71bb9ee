using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// All statistics of a calibration run: what `ptq calibrate` writes and `ptq quantize --stats` reads.
/// JSON schema (version 1): {"format":"ptq-stats","version":1,"samples":N,"tensors":{name:{count,batches,min,max,
/// avgMin,avgMax,emaMomentum,emaMin,emaMax,mean,m2,absMean,meanAbsDev,zeros,histogram:{mode,min,max,counts:[...]},
/// perChannel:{axis,min:[...],max:[...]}}}}; optional parts are omitted when not collected.
/// Doubles are written in shortest round-trip form, so Save then Load is exact.
/// </summary>
public sealed record StatsFile
{
    /// <summary>The "format" value every Ptq stats file carries.</summary>
    public const string FormatName = "ptq-stats";

    /// <summary>Schema version written by this build.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Creates a stats file from the statistics of each tensor (keyed by <see cref="TensorStats.Name"/>).</summary>
    /// <exception cref="ArgumentException">Two tensors share a name.</exception>
    internal StatsFile(long samples, IEnumerable<TensorStats> tensors)
    {
        Samples = samples;
        var map = new SortedDictionary<string, TensorStats>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!map.TryAdd(t.Name, t))
            {
                throw new ArgumentException($"Tensor '{t.Name}' appears twice.", nameof(tensors));
            }
        }
        Tensors = map;
    }

    /// <summary>Number of calibration samples (model inputs) observed; 0 when unknown (Distiller files).</summary>
    public long Samples { get; }

    /// <summary>Statistics per tensor name, in ordinal name order.</summary>
    internal IReadOnlyDictionary<string, TensorStats> Tensors { get; }

    /// <summary>Serializes to JSON (UTF-8 text, indented, deterministic: tensors in ordinal order).</summary>
    public string ToJson() => StatsFileJson.Write(this);

    /// <summary>Parses JSON text; <paramref name="sourceName"/> names the origin in error messages.</summary>
    /// <exception cref="StatsFileException">Malformed JSON, wrong format/version, or a missing/invalid field.</exception>
    public static StatsFile Parse(string json, string sourceName = "<string>") => StatsFileJson.Read(json, sourceName);

    /// <summary>Writes the JSON to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        IO.AtomicFile.WriteAllText(path, ToJson());
    }

    /// <summary>Reads a Ptq JSON stats file.</summary>
    /// <exception cref="StatsFileException">The file is missing, unreadable or invalid.</exception>
    public static StatsFile Load(string path)
    {
        string text = IO.InputFiles.ReadAllText(path, ResourceLimits.MaxStatsFileBytes,
            (problem, e) => new StatsFileException(path, "(file)", $"cannot be read: {problem}", e));
        return Parse(text, path);
    }

    /// <summary>
    /// Combines two shards of one calibration run (b's batches count as later ones for the EMA). Samples add up.
    /// </summary>
    /// <exception cref="StatsFileException">The tensor sets differ (the message lists up to 5 names on each side), or a tensor's
    /// statistics are incompatible (collected with different options).</exception>
    public static StatsFile Merge(StatsFile a, StatsFile b)
    {
        var onlyA = a.Tensors.Keys.Where(k => !b.Tensors.ContainsKey(k)).ToList();
        var onlyB = b.Tensors.Keys.Where(k => !a.Tensors.ContainsKey(k)).ToList();
        if (onlyA.Count > 0 || onlyB.Count > 0)
        {
            throw new StatsFileException("(merge)", "tensors",
                $"the shards observed different tensors: only in the first: [{string.Join(", ", onlyA.Take(5))}]{(onlyA.Count > 5 ? $" and {onlyA.Count - 5} more" : "")}; " +
                $"only in the second: [{string.Join(", ", onlyB.Take(5))}]{(onlyB.Count > 5 ? $" and {onlyB.Count - 5} more" : "")}. Calibrate every shard with the same model and plan.");
        }
        var merged = new List<TensorStats>(a.Tensors.Count);
        foreach (var (name, ta) in a.Tensors)
        {
            try
            {
                merged.Add(TensorStatsMerger.Merge(ta, b.Tensors[name]));
            }
            catch (ArgumentException e)
            {
                throw new StatsFileException("(merge)", $"tensors.{name}", e.Message, e);
            }
        }
        return new StatsFile(a.Samples + b.Samples, merged);
    }
}
