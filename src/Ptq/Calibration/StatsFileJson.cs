using System.Text;
using System.Text.Json;
using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>JSON (de)serialization of <see cref="StatsFile"/>; every reading error names the file and the field path.</summary>
internal static class StatsFileJson
{
    public static string Write(StatsFile file)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", StatsFile.FormatName);
            w.WriteNumber("version", StatsFile.CurrentVersion);
            w.WriteNumber("samples", file.Samples);
            w.WriteStartObject("tensors");
            foreach (var (name, t) in file.Tensors)
            {
                w.WriteStartObject(name);
                WriteTensor(w, t);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    // Utf8JsonWriter writes doubles in the shortest form that parses back to the same bits ("R").
    private static void WriteTensor(Utf8JsonWriter w, TensorStats t)
    {
        w.WriteNumber("count", t.Count);
        w.WriteNumber("batches", t.Batches);
        w.WriteNumber("min", t.Min);
        w.WriteNumber("max", t.Max);
        if (t.Average is { } avg)
        {
            w.WriteNumber("avgMin", avg.Min);
            w.WriteNumber("avgMax", avg.Max);
        }
        if (t.Ema is { } ema)
        {
            w.WriteNumber("emaMomentum", ema.Momentum);
            w.WriteNumber("emaMin", ema.Min);
            w.WriteNumber("emaMax", ema.Max);
        }
        if (t.Moments is { } m)
        {
            w.WriteNumber("mean", m.Mean);
            w.WriteNumber("m2", m.M2);
            if (m.AbsMean is { } abs)
            {
                w.WriteNumber("absMean", abs);
            }
            w.WriteNumber("meanAbsDev", m.MeanAbsDeviation);
        }
        if (t.Zeros is { } zeros)
        {
            w.WriteNumber("zeros", zeros);
        }
        if (t.Histogram is { } h)
        {
            w.WriteStartObject("histogram");
            w.WriteString("mode", t.HistogramMode == HistogramRangeMode.Symmetric ? "symmetric" : "minmax");
            w.WriteNumber("min", h.Min);
            w.WriteNumber("max", h.Max);
            w.WriteStartArray("counts");
            foreach (long c in h.Counts)
            {
                w.WriteNumberValue(c);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (t.PerChannel is { } pc)
        {
            w.WriteStartObject("perChannel");
            w.WriteNumber("axis", pc.Axis);
            WriteArray(w, "min", pc.Min);
            WriteArray(w, "max", pc.Max);
            w.WriteEndObject();
        }
        if (t.ChannelMeans is { } cm)
        {
            w.WriteStartObject("channelMeans");
            w.WriteNumber("countPerChannel", cm.CountPerChannel);
            WriteArray(w, "means", cm.Means);
            w.WriteEndObject();
        }
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(v);
        }
        w.WriteEndArray();
    }

    public static StatsFile Read(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new StatsFileException(source, $"(line {e.LineNumber + 1})", $"is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var r = new Reader(source);
            var root = doc.RootElement;
            r.Object(root, "$");
            string format = r.Prop(root, "format", "$").GetString() ?? "";
            if (format != StatsFile.FormatName)
            {
                throw new StatsFileException(source, "format", $"is '{format}', expected '{StatsFile.FormatName}'.");
            }
            int version = (int)r.Long(root, "version", "$");
            if (version != StatsFile.CurrentVersion)
            {
                throw new StatsFileException(source, "version", $"is {version}; this build reads version {StatsFile.CurrentVersion}. Recalibrate or upgrade Ptq.");
            }
            long samples = r.Long(root, "samples", "$");
            var tensors = r.Prop(root, "tensors", "$");
            r.Object(tensors, "tensors");
            var list = new List<TensorStats>();
            foreach (var p in tensors.EnumerateObject())
            {
                list.Add(r.Tensor(p.Name, p.Value, $"tensors.{p.Name}"));
            }
            return new StatsFile(samples, list);
        }
    }

    private sealed class Reader(string source)
    {
        public TensorStats Tensor(string name, JsonElement e, string path)
        {
            Object(e, path);
            var t = new TensorStats
            {
                Name = name,
                Count = Long(e, "count", path),
                Batches = Long(e, "batches", path),
                Min = Double(e, "min", path),
                Max = Double(e, "max", path),
                Average = Has(e, "avgMin") ? new AverageRange(Double(e, "avgMin", path), Double(e, "avgMax", path)) : null,
                Ema = Has(e, "emaMin") ? new EmaRange(Double(e, "emaMomentum", path), Double(e, "emaMin", path), Double(e, "emaMax", path)) : null,
                Moments = Has(e, "mean")
                    ? new Moments(Double(e, "mean", path), Double(e, "m2", path), Has(e, "absMean") ? Double(e, "absMean", path) : null, Double(e, "meanAbsDev", path))
                    : null,
                Zeros = Has(e, "zeros") ? Long(e, "zeros", path) : null,
            };
            if (t.Min > t.Max)
            {
                throw new StatsFileException(source, $"{path}.min", $"min {t.Min} is greater than max {t.Max}.");
            }
            if (e.TryGetProperty("histogram", out var h))
            {
                t = t with { Histogram = ReadHistogram(h, $"{path}.histogram", out var mode), HistogramMode = mode };
            }
            if (e.TryGetProperty("perChannel", out var pc))
            {
                string pcPath = $"{path}.perChannel";
                Object(pc, pcPath);
                var min = Doubles(Prop(pc, "min", pcPath), $"{pcPath}.min");
                var max = Doubles(Prop(pc, "max", pcPath), $"{pcPath}.max");
                if (min.Length != max.Length || min.Length == 0)
                {
                    throw new StatsFileException(source, pcPath, $"min has {min.Length} channels and max {max.Length}; both must be equal and non-zero.");
                }
                t = t with { PerChannel = new PerChannelRange(Int(pc, "axis", pcPath), min, max) };
            }
            if (e.TryGetProperty("channelMeans", out var cm))
            {
                string cmPath = $"{path}.channelMeans";
                Object(cm, cmPath);
                t = t with { ChannelMeans = new ChannelMeans(Doubles(Prop(cm, "means", cmPath), $"{cmPath}.means"), Long(cm, "countPerChannel", cmPath)) };
            }
            return t;
        }

        private Histogram ReadHistogram(JsonElement h, string path, out HistogramRangeMode mode)
        {
            Object(h, path);
            string modeText = Prop(h, "mode", path).GetString() ?? "";
            mode = modeText switch
            {
                "symmetric" => HistogramRangeMode.Symmetric,
                "minmax" => HistogramRangeMode.MinMax,
                _ => throw new StatsFileException(source, $"{path}.mode", $"is '{modeText}', expected 'symmetric' or 'minmax'."),
            };
            var countsElement = Prop(h, "counts", path);
            if (countsElement.ValueKind != JsonValueKind.Array)
            {
                throw new StatsFileException(source, $"{path}.counts", "must be an array of non-negative integers.");
            }
            var counts = new long[countsElement.GetArrayLength()];
            int i = 0;
            foreach (var c in countsElement.EnumerateArray())
            {
                if (c.ValueKind != JsonValueKind.Number || !c.TryGetInt64(out counts[i]) || counts[i] < 0)
                {
                    throw new StatsFileException(source, $"{path}.counts[{i}]", $"'{c}' is not a non-negative integer.");
                }
                i++;
            }
            try
            {
                return new Histogram(Double(h, "min", path), Double(h, "max", path), counts);
            }
            catch (ArgumentException e)
            {
                throw new StatsFileException(source, path, e.Message, e);
            }
        }

        public void Object(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new StatsFileException(source, path, $"must be a JSON object, found {e.ValueKind}.");
            }
        }

        public static bool Has(JsonElement e, string name) => e.TryGetProperty(name, out _);

        public JsonElement Prop(JsonElement e, string name, string path) =>
            e.TryGetProperty(name, out var v) ? v : throw new StatsFileException(source, $"{path}.{name}".TrimStart('$', '.'), "is missing.");

        public double Double(JsonElement e, string name, string path)
        {
            var v = Prop(e, name, path);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
            {
                throw new StatsFileException(source, $"{path}.{name}".TrimStart('$', '.'), $"'{v}' is not a finite number.");
            }
            return d;
        }

        public long Long(JsonElement e, string name, string path)
        {
            var v = Prop(e, name, path);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long l) || l < 0)
            {
                throw new StatsFileException(source, $"{path}.{name}".TrimStart('$', '.'), $"'{v}' is not a non-negative integer.");
            }
            return l;
        }

        private int Int(JsonElement e, string name, string path)
        {
            var v = Prop(e, name, path);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i))
            {
                throw new StatsFileException(source, $"{path}.{name}", $"'{v}' is not an integer.");
            }
            return i;
        }

        private double[] Doubles(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Array)
            {
                throw new StatsFileException(source, path, "must be an array of numbers.");
            }
            var result = new double[e.GetArrayLength()];
            int i = 0;
            foreach (var v in e.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(result[i] = v.GetDouble()))
                {
                    throw new StatsFileException(source, $"{path}[{i}]", $"'{v}' is not a finite number.");
                }
                i++;
            }
            return result;
        }
    }
}
