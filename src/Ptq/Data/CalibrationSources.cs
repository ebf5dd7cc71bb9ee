using Ptq.Data.Readers;
using Ptq.Onnx;

namespace Ptq.Data;

/// <summary>Builds an <see cref="ICalibrationSource"/> from the CLI's <c>--data SPEC...</c> values, or from samples in memory.</summary>
public static class CalibrationSources
{
    /// <summary>
    /// A source over <paramref name="samples"/> made in code, for <paramref name="model"/>'s inputs (each sample must
    /// hold a tensor for every one of them). Throws <see cref="DataSourceException"/> naming the sample and input when
    /// one is missing.
    /// </summary>
    public static ICalibrationSource FromSamples(OnnxModel model, IReadOnlyList<CalibrationSample> samples) =>
        FromSamples(ModelInputs.Of(model ?? throw new ArgumentNullException(nameof(model))), samples);

    /// <summary>
    /// Creates a source for <paramref name="model"/>'s inputs from <paramref name="specs"/> (the CLI's <c>--data</c>
    /// values); see <see cref="Create(IReadOnlyList{ModelInputInfo}, IReadOnlyList{string}, DataSourceOptions?)"/>.
    /// </summary>
    public static ICalibrationSource Create(OnnxModel model, IReadOnlyList<string> specs, DataSourceOptions? options = null) =>
        Create(ModelInputs.Of(model ?? throw new ArgumentNullException(nameof(model))), specs, options);

    /// <summary>A source over <paramref name="samples"/> for <paramref name="inputs"/> (see <see cref="ModelInputs.Of"/>).</summary>
    internal static ICalibrationSource FromSamples(IReadOnlyList<ModelInputInfo> inputs, IReadOnlyList<CalibrationSample> samples)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
            foreach (var input in inputs)
                if (!sample.Inputs.ContainsKey(input.Name))
                    throw new DataSourceException($"sample '{sample.SourceName}' has no tensor for input '{input.Name}'");
        return new SampleListSource(inputs, samples);
    }

    /// <summary>
    /// Creates a source for <paramref name="inputs"/> from <paramref name="specs"/>. Each SPEC is a file or folder, or
    /// <c>INPUT_NAME:PATH</c> (see <see cref="DataSpec.Parse"/>). The reader is chosen by file kind: images (.jpg/.jpeg/.png/.bmp,
    /// preprocessed with <see cref="DataSourceOptions.Preprocessing"/>), .bin, .txt, .npy, .npz, or idx3 files (<c>*-idx3-ubyte[.gz]</c>);
    /// a folder must hold a single kind. A single unnamed SPEC feeds a single-input model; an unnamed .npz SPEC feeds every input
    /// by entry name. With several SPECs, samples are paired by position in each SPEC's sorted file list.
    /// Headers of .npy/.npz/idx files are read here so that <see cref="ICalibrationSource.Count"/> is exact; image, .bin and .txt
    /// contents are only read during enumeration.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="inputs"/> or <paramref name="specs"/> is empty or input names repeat.</exception>
    /// <exception cref="DataSourceException">
    /// When a path is missing or holds no or mixed data files, a SPEC names an unknown input (the message lists the valid names),
    /// an input is fed twice or not at all, SPECs hold different sample counts, or file headers do not fit the inputs.
    /// </exception>
    internal static ICalibrationSource Create(IReadOnlyList<ModelInputInfo> inputs, IReadOnlyList<string> specs, DataSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(specs);
        if (inputs.Count == 0) throw new ArgumentException("The model has no inputs to feed.", nameof(inputs));
        if (specs.Count == 0) throw new ArgumentException("No --data SPEC given.", nameof(specs));
        var duplicate = inputs.GroupBy(i => i.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Input name '{duplicate.Key}' appears twice.", nameof(inputs));
        options ??= DataSourceOptions.Default;

        var names = inputs.Select(i => i.Name).ToList();
        var byName = inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var fed = new Dictionary<string, string>(StringComparer.Ordinal);
        var readers = new List<SampleReader>();
        foreach (string text in specs)
        {
            DataSpec spec = DataSpec.Parse(text, names);
            if (spec.InputName is null) CheckNotAnUnknownName(spec.Path, names);
            (DataFileKind kind, IReadOnlyList<DataFile> files) = FileListing.List(spec.Path, options.Recursive);
            IReadOnlyList<ModelInputInfo> targets = Targets(spec, kind, inputs, specs.Count, byName);
            foreach (ModelInputInfo t in targets)
            {
                if (!fed.TryAdd(t.Name, text))
                    throw new DataSourceException($"Input '{t.Name}' is fed by both '{fed[t.Name]}' and '{text}'; give one SPEC per input.");
            }
            readers.Add(CreateReader(spec.Path, kind, targets, files, options));
        }
        var missing = names.Where(n => !fed.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new DataSourceException(SettingName.Data, $"No data for model input(s) {string.Join(", ", missing.Select(n => $"'{n}'"))}; add {SettingName.Data} {missing[0]}:PATH (model inputs: {string.Join(", ", names)}).");
        return new CalibrationSource(readers, inputs, options);
    }

    private static IReadOnlyList<ModelInputInfo> Targets(DataSpec spec, DataFileKind kind, IReadOnlyList<ModelInputInfo> inputs, int specCount,
        Dictionary<string, ModelInputInfo> byName)
    {
        if (spec.InputName is not null) return [byName[spec.InputName]];
        if (inputs.Count == 1)
        {
            if (specCount > 1)
                throw new DataSourceException($"The model has one input ('{inputs[0].Name}') but {specCount} SPECs were given; give one folder or file.");
            return inputs;
        }
        if (kind == DataFileKind.Npz) return inputs;
        throw new DataSourceException($"The model has several inputs ({string.Join(", ", inputs.Select(i => i.Name))}); '{spec.Path}' must say which one it feeds " +
            $"as INPUT_NAME:PATH (e.g. {inputs[0].Name}:{spec.Path}), or be .npz files with one array per input.");
    }

    // "foo:/data" where foo is not an input is parsed as a path; when no such path exists, the user most likely mistyped a name.
    private static void CheckNotAnUnknownName(string path, IReadOnlyList<string> names)
    {
        int colon = path.IndexOf(':', StringComparison.Ordinal);
        // A single letter before ':' is a drive on Windows ("C:\data"), never a name we should complain about there.
        if (colon <= 0 || (colon == 1 && OperatingSystem.IsWindows()) || File.Exists(path) || Directory.Exists(path)) return;
        string prefix = path[..colon];
        if (prefix.Contains('/') || prefix.Contains('\\')) return;
        throw new DataSourceException($"'{prefix}' in SPEC '{path}' is not a model input; valid names: {string.Join(", ", names)}.");
    }

    private static SampleReader CreateReader(string specPath, DataFileKind kind, IReadOnlyList<ModelInputInfo> targets, IReadOnlyList<DataFile> files, DataSourceOptions options)
    {
        if (kind != DataFileKind.Npz && targets.Count != 1)
            throw new DataSourceException($"'{specPath}' can feed only one input but is asked to feed {targets.Count}.");
        return kind switch
        {
            DataFileKind.Image => new ImageFileReader(specPath, targets[0], files, options.Preprocessing, options.MaxImagePixels),
            DataFileKind.Bin => new BinFileReader(specPath, targets[0], files, options),
            DataFileKind.Text => new TextFileReader(specPath, targets[0], files, options),
            DataFileKind.Npy => new NpyFileReader(specPath, targets[0], files),
            DataFileKind.Npz => new NpzFileReader(specPath, targets, files),
            DataFileKind.Idx => new IdxSampleReader(specPath, targets[0], files),
            _ => throw new DataSourceException($"'{specPath}': unsupported data kind {kind}."),
        };
    }
}
