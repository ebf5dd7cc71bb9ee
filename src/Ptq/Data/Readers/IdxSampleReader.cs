namespace Ptq.Data.Readers;

/// <summary>
/// idx3 image files as a calibration source: each image is one sample of raw pixel values 0–255, shaped [1,1,rows,cols]
/// (or [1,rows,cols,1] when the input's last dimension is 1 and its second is not). Image preprocessing is not applied.
/// A file is decoded once, on first use, and kept (MNIST's 10 000 images take 7.8 MB).
/// </summary>
internal sealed class IdxSampleReader : SampleReader
{
    private readonly ModelInputInfo _input;
    private readonly IReadOnlyList<DataFile> _files;
    private readonly List<(int File, int Image)> _items = [];
    private readonly IdxImages?[] _cache;

    public IdxSampleReader(string specPath, ModelInputInfo input, IReadOnlyList<DataFile> files) : base(specPath)
    {
        _input = input;
        _files = files;
        Inputs = [input];
        _cache = new IdxImages?[files.Count];
        for (int f = 0; f < files.Count; f++)
        {
            IdxImages images = Load(f);
            for (int i = 0; i < images.Count; i++) _items.Add((f, i));
            // Keep only the most recent file: memory stays bounded by one file however many are listed.
            if (f > 0) _cache[f - 1] = null;
        }
    }

    public override IReadOnlyList<ModelInputInfo> Inputs { get; }

    public override int Count => _items.Count;

    public override string ItemName(int index) => $"{_files[_items[index].File].RelativePath}[{_items[index].Image}]";

    public override IReadOnlyList<InputTensor> Read(int index)
    {
        (int f, int image) = _items[index];
        IdxImages images = Load(f);
        InputTensor t = images.ToTensor(image, _input.Name, _input.ElementType);
        int[] dims = t.GetDims();
        if (!ShapeResolver.Matches(_input, dims) && ShapeResolver.Matches(_input, [1, images.Rows, images.Columns, 1]))
            t = new InputTensor(t.Name, t.ElementType, [1, images.Rows, images.Columns, 1], t.Data);
        ShapeResolver.EnsureMatches(_input, t.Dims, _files[f].FullPath);
        return [t];
    }

    private IdxImages Load(int f)
    {
        if (_cache[f] is { } cached) return cached;
        for (int i = 0; i < _cache.Length; i++) _cache[i] = null;
        return _cache[f] = IdxReader.ReadImages(_files[f].FullPath);
    }
}
