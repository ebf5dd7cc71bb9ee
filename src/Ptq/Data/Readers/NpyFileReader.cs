namespace Ptq.Data.Readers;

/// <summary>.npy files for one input; each file gives one or more samples (see <see cref="ArraySlicing.Fit"/>).</summary>
internal sealed class NpyFileReader : SampleReader
{
    private readonly ModelInputInfo _input;
    private readonly IReadOnlyList<DataFile> _files;
    private readonly List<(int File, int Slice)> _items = [];
    private readonly NpyHeader[] _headers;
    private readonly ArraySlicing[] _slicings;
    private readonly int[] _slicesPerFile;

    public NpyFileReader(string specPath, ModelInputInfo input, IReadOnlyList<DataFile> files) : base(specPath)
    {
        _input = input;
        _files = files;
        Inputs = [input];
        _headers = new NpyHeader[files.Count];
        _slicings = new ArraySlicing[files.Count];
        _slicesPerFile = new int[files.Count];
        // Headers are read up front (a few hundred bytes each) so that Count is exact and shape errors surface before calibration starts.
        for (int f = 0; f < files.Count; f++)
        {
            string path = files[f].FullPath;
            using (FileStream s = Open(path))
            {
                _headers[f] = NpyHeader.Read(s, path);
                // A header may declare a billion samples over a few bytes of data: check the size before listing them.
                long elementBytes = _headers[f].ElementType.SizeInBytes();
                long declared = _headers[f].ElementCount;
                if (declared > (s.Length - _headers[f].DataOffset) / elementBytes)
                    throw new CorruptFileException(path, $"'{path}' is truncated: its header declares shape ({string.Join(", ", _headers[f].Shape)}) but the file holds {s.Length - _headers[f].DataOffset} data bytes.");
            }
            ArraySlicing.EnsureConvertible(_headers[f].ElementType, input, path);
            _slicings[f] = ArraySlicing.Fit(input, _headers[f].Shape, path);
            _slicesPerFile[f] = _slicings[f].Samples;
            for (int i = 0; i < _slicings[f].Samples; i++) _items.Add((f, i));
        }
    }

    public override IReadOnlyList<ModelInputInfo> Inputs { get; }

    public override int Count => _items.Count;

    public override string ItemName(int index)
    {
        (int f, int slice) = _items[index];
        return _slicesPerFile[f] > 1 ? $"{_files[f].RelativePath}[{slice}]" : _files[f].RelativePath;
    }

    public override IReadOnlyList<InputTensor> Read(int index)
    {
        (int f, int slice) = _items[index];
        string path = _files[f].FullPath;
        using FileStream s = Open(path);
        s.Seek(_headers[f].DataOffset, SeekOrigin.Begin);
        return [_slicings[f].ReadSample(s, _headers[f], slice, _input, path)];
    }

    private static FileStream Open(string path)
    {
        CorruptFileException.ThrowIfNotReadable(path);
        try { return File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"Cannot read '{path}': {e.Message}", e);
        }
    }
}
