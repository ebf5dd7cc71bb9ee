using System.IO.Compression;

namespace Ptq.Data.Readers;

/// <summary>
/// .npz files (zip archives of .npy entries, stored or deflated). Entry names minus ".npy" are input names; when this reader
/// feeds a single input and a file has a single entry, that entry is used whatever its name. Every entry of a file must give
/// the same number of samples.
/// </summary>
internal sealed class NpzFileReader : SampleReader
{
    private readonly IReadOnlyList<DataFile> _files;
    private readonly List<(int File, int Slice)> _items = [];
    private readonly FileLayout[] _layouts;

    private sealed record FileLayout(string[] EntryNames, NpyHeader[] Headers, ArraySlicing[] Slicings);

    public NpzFileReader(string specPath, IReadOnlyList<ModelInputInfo> inputs, IReadOnlyList<DataFile> files) : base(specPath)
    {
        Inputs = inputs;
        _files = files;
        _layouts = new FileLayout[files.Count];
        for (int f = 0; f < files.Count; f++)
        {
            string path = files[f].FullPath;
            _layouts[f] = ReadingZip(path, () => Describe(path));
            int samples = _layouts[f].Slicings[0].Samples;
            for (int i = 0; i < samples; i++) _items.Add((f, i));
        }
    }

    public override IReadOnlyList<ModelInputInfo> Inputs { get; }

    public override int Count => _items.Count;

    public override string ItemName(int index)
    {
        (int f, int slice) = _items[index];
        return _layouts[f].Slicings[0].Samples > 1 ? $"{_files[f].RelativePath}[{slice}]" : _files[f].RelativePath;
    }

    public override IReadOnlyList<InputTensor> Read(int index) => ReadingZip(_files[_items[index].File].FullPath, () => ReadItem(index));

    /// <summary>
    /// Runs <paramref name="read"/> turning the zip library's <see cref="InvalidDataException"/> (a corrupt entry or
    /// header found while reading, not only on opening) into <see cref="CorruptFileException"/> naming the file.
    /// </summary>
    private static T ReadingZip<T>(string path, Func<T> read)
    {
        try { return read(); }
        catch (InvalidDataException e) { throw new CorruptFileException(path, $"'{path}' is not a valid .npz (zip) archive: {e.Message}", e); }
    }

    private InputTensor[] ReadItem(int index)
    {
        (int f, int slice) = _items[index];
        string path = _files[f].FullPath;
        FileLayout layout = _layouts[f];
        using ZipArchive zip = OpenZip(path);
        var tensors = new InputTensor[Inputs.Count];
        for (int i = 0; i < Inputs.Count; i++)
        {
            string entryName = layout.EntryNames[i];
            using Stream s = zip.GetEntry(entryName)!.Open();
            NpyHeader.Read(s, $"{path}:{entryName}");
            tensors[i] = layout.Slicings[i].ReadSample(s, layout.Headers[i], slice, Inputs[i], $"{path}:{entryName}");
        }
        return tensors;
    }

    private FileLayout Describe(string path)
    {
        using ZipArchive zip = OpenZip(path);
        var files = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
        if (files.GroupBy(e => StripNpy(e.FullName), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new CorruptFileException(path, $"'{path}' holds array '{twice.Key}' twice.");
        var entries = files.ToDictionary(e => StripNpy(e.FullName), StringComparer.Ordinal);
        if (entries.Count == 0) throw new DataSourceException($"'{path}' is an empty .npz archive.");
        var names = new string[Inputs.Count];
        if (Inputs.Count == 1 && entries.Count == 1) names[0] = entries.Values.Single().FullName;
        else
        {
            for (int i = 0; i < Inputs.Count; i++)
            {
                if (!entries.TryGetValue(Inputs[i].Name, out ZipArchiveEntry? e))
                    throw new DataSourceException($"'{path}' has no array for input '{Inputs[i].Name}'; its arrays are {string.Join(", ", entries.Keys.Select(k => $"'{k}'"))}. Save it with np.savez(path, {Inputs[i].Name}=...).");
                names[i] = e.FullName;
            }
            if (Inputs.Count > 1)
            {
                var unknown = entries.Keys.Where(k => !Inputs.Any(inp => inp.Name == k)).ToList();
                if (unknown.Count > 0)
                    throw new DataSourceException($"'{path}' has arrays {string.Join(", ", unknown.Select(k => $"'{k}'"))} that are not model inputs; valid names: {string.Join(", ", Inputs.Select(i => $"'{i.Name}'"))}.");
            }
        }
        var headers = new NpyHeader[names.Length];
        var slicings = new ArraySlicing[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            string label = $"{path}:{names[i]}";
            using (Stream s = zip.GetEntry(names[i])!.Open()) headers[i] = NpyHeader.Read(s, label);
            ArraySlicing.EnsureConvertible(headers[i].ElementType, Inputs[i], label);
            slicings[i] = ArraySlicing.Fit(Inputs[i], headers[i].Shape, label);
            if (slicings[i].Samples != slicings[0].Samples)
                throw new DataSourceException($"'{path}': array '{names[i]}' gives {slicings[i].Samples} samples but '{names[0]}' gives {slicings[0].Samples}; every input needs the same number.");
        }
        return new FileLayout(names, headers, slicings);
    }

    private static string StripNpy(string entry) =>
        entry.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? entry[..^4] : entry;

    private static ZipArchive OpenZip(string path)
    {
        CorruptFileException.ThrowIfNotReadable(path);
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException e) { throw new CorruptFileException(path, $"'{path}' is not a valid .npz (zip) archive: {e.Message}", e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"Cannot read '{path}': {e.Message}", e);
        }
    }
}
