namespace Ptq.Data.Readers;

/// <summary>
/// Raw little-endian .bin files holding exactly one sample of the resolved input shape, as float32 or (if asked) the
/// input's element type, converted to the input's element type.
/// </summary>
internal sealed class BinFileReader : FilePerSampleReader
{
    private readonly int[] _dims;
    private readonly InputElementType _fileType;

    public BinFileReader(string specPath, ModelInputInfo input, IReadOnlyList<DataFile> files, DataSourceOptions options)
        : base(specPath, input, files)
    {
        _dims = ShapeResolver.Resolve(input, options.Shapes);
        _fileType = options.BinUsesModelElementType ? input.ElementType : InputElementType.Float32;
    }

    protected override InputTensor ReadFile(string path)
    {
        int count = checked((int)ShapeResolver.Product(_dims));
        long expected = (long)count * _fileType.SizeInBytes();
        long actual = new FileInfo(path).Length;
        if (actual != expected)
            throw new DataSourceException($"'{path}' has {actual} bytes but input '{Input.Name}' of shape [{string.Join(",", _dims)}] as {_fileType} needs {expected} bytes.");
        Array data = TensorConvert.FromLittleEndian(ReadAllBytes(path), _fileType, count);
        Array converted = _fileType == Input.ElementType ? data : TensorConvert.FromFloat((float[])data, Input.ElementType);
        return new InputTensor(Input.Name, Input.ElementType, _dims, converted);
    }
}
