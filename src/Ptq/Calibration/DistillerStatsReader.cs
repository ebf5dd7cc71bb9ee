using System.Globalization;
using Ptq.Statistics;
using SharpYaml.Model;

namespace Ptq.Calibration;

/// <summary>
/// Reads Distiller's <c>acts_quantization_stats.yaml</c>:
/// <c>layer: {inputs: {0: {min, max, avg_min, avg_max, mean, std, b, shape}, ...}, output: {...}}</c>.
/// Each entry becomes a <see cref="TensorStats"/> named <c>layer/inputs/i</c> or <c>layer/output</c>, with
/// Min/Max, Average = (avg_min, avg_max), and Moments(mean, M2 = std²·Count, AbsMean = null, MeanAbsDeviation = b).
/// Distiller records no element count: Count is the product of <c>shape</c> when present (else 1) and Batches = 1, so
/// variance and std are exact but merging with other shards weighs the file as one batch. No histograms: Percentile,
/// KL and MSE are unavailable for these tensors.
/// </summary>
internal static class DistillerStatsReader
{
    /// <summary>Reads a Distiller YAML stats file.</summary>
    /// <exception cref="StatsFileException">The file is unreadable, not YAML, or a required field is missing or not a number.</exception>
    public static StatsFile Load(string path)
    {
        string text = IO.InputFiles.ReadAllText(path, ResourceLimits.MaxConfigFileBytes,
            (problem, e) => new StatsFileException(path, "(file)", $"cannot be read: {problem}", e));
        return Parse(text, path);
    }

    /// <summary>Parses Distiller YAML text; <paramref name="sourceName"/> names the origin in error messages.</summary>
    /// <exception cref="StatsFileException">Not YAML, or a required field is missing or not a number.</exception>
    public static StatsFile Parse(string yaml, string sourceName = "<string>")
    {
        YamlStream stream;
        try
        {
            if (IO.YamlBudget.Problem(yaml) is { } problem)
                throw new StatsFileException(sourceName, "(yaml)", $"{problem}.");
            stream = YamlStream.Load(new StringReader(yaml));
        }
        catch (SharpYaml.YamlException e)
        {
            throw new StatsFileException(sourceName, "(yaml)", $"is not valid YAML: {e.Message}", e);
        }
        if (stream.Count == 0 || stream[0].Contents is not YamlMapping layers)
        {
            throw new StatsFileException(sourceName, "(root)", "must be a mapping of layer names to statistics.");
        }
        var tensors = new List<TensorStats>();
        foreach (var (layerKey, layerValue) in layers)
        {
            string layer = Scalar(layerKey);
            if (layerValue is not YamlMapping entry)
            {
                throw new StatsFileException(sourceName, layer, "must be a mapping with 'inputs' and/or 'output'.");
            }
            foreach (var (key, value) in entry)
            {
                string k = Scalar(key);
                if (k == "output")
                {
                    tensors.Add(Tensor($"{layer}/output", value, $"{layer}.output", sourceName));
                }
                else if (k == "inputs" && value is YamlMapping inputs)
                {
                    foreach (var (index, stats) in inputs)
                    {
                        string i = Scalar(index);
                        tensors.Add(Tensor($"{layer}/inputs/{i}", stats, $"{layer}.inputs.{i}", sourceName));
                    }
                }
            }
        }
        var twice = tensors.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new StatsFileException(sourceName, twice.Key, "appears twice; give each layer's statistics once.");
        return new StatsFile(0, tensors);
    }

    private static TensorStats Tensor(string name, YamlElement? element, string path, string source)
    {
        if (element is not YamlMapping m)
        {
            throw new StatsFileException(source, path, "must be a mapping with min, max, avg_min, avg_max, mean, std, b.");
        }
        long count = Count(m);
        double std = Number(m, "std", path, source);
        var stats = new TensorStats
        {
            Name = name,
            Count = count,
            Batches = 1,
            Min = Number(m, "min", path, source),
            Max = Number(m, "max", path, source),
            Average = new AverageRange(Number(m, "avg_min", path, source), Number(m, "avg_max", path, source)),
            Moments = new Moments(Number(m, "mean", path, source), std * std * count, null, Number(m, "b", path, source)),
        };
        if (stats.Min > stats.Max)
        {
            throw new StatsFileException(source, $"{path}.min", $"min {stats.Min} is greater than max {stats.Max}.");
        }
        return stats;
    }

    private static double Number(YamlMapping m, string key, string path, string source)
    {
        if (!m.TryGetValue(key, out var v) || v is not YamlValue value)
        {
            throw new StatsFileException(source, $"{path}.{key}", "is missing.");
        }
        if (!double.TryParse(value.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
        {
            throw new StatsFileException(source, $"{path}.{key}", $"'{value.Value}' is not a finite number.");
        }
        return d;
    }

    /// <summary>Elements per batch from "shape": a YAML sequence or Distiller's tuple string "(1, 64, 56, 56)"; 1 when absent.</summary>
    private static long Count(YamlMapping m)
    {
        if (!m.TryGetValue("shape", out var shape))
        {
            return 1;
        }
        IEnumerable<string> dims = shape switch
        {
            YamlSequence seq => seq.OfType<YamlValue>().Select(v => v.Value),
            YamlValue v => v.Value.Trim('(', ')', '[', ']', ' ').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            _ => [],
        };
        long count = 1;
        foreach (string d in dims)
        {
            if (long.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0)
            {
                count *= n;
            }
        }
        return count;
    }

    private static string Scalar(YamlElement e) => e is YamlValue v ? v.Value : e.ToString() ?? "";
}
