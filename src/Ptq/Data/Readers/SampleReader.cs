namespace Ptq.Data.Readers;

/// <summary>
/// Random access to the samples behind one SPEC: <see cref="Count"/> items, each decoded on demand into tensors for
/// <see cref="Inputs"/>. Item order is fixed (sorted file names); the source zips, shuffles and limits on top.
/// </summary>
internal abstract class SampleReader
{
    protected SampleReader(string specPath) => SpecPath = specPath;

    /// <summary>The SPEC path (file or folder), for messages.</summary>
    public string SpecPath { get; }

    /// <summary>The model inputs each item provides.</summary>
    public abstract IReadOnlyList<ModelInputInfo> Inputs { get; }

    public abstract int Count { get; }

    /// <summary>Name of item <paramref name="index"/> (relative file name, plus <c>[i]</c> for a batch slice).</summary>
    public abstract string ItemName(int index);

    /// <summary>Decodes item <paramref name="index"/>; one tensor per entry of <see cref="Inputs"/>.</summary>
    /// <exception cref="DataSourceException">When the file does not fit the model or cannot be read.</exception>
    public abstract IReadOnlyList<InputTensor> Read(int index);
}

/// <summary>A reader with one file per sample for a single input.</summary>
internal abstract class FilePerSampleReader : SampleReader
{
    private readonly IReadOnlyList<DataFile> _files;

    protected FilePerSampleReader(string specPath, ModelInputInfo input, IReadOnlyList<DataFile> files) : base(specPath)
    {
        Input = input;
        _files = files;
        Inputs = [input];
    }

    protected ModelInputInfo Input { get; }

    public override IReadOnlyList<ModelInputInfo> Inputs { get; }

    public override int Count => _files.Count;

    public override string ItemName(int index) => _files[index].RelativePath;

    public override IReadOnlyList<InputTensor> Read(int index) => [ReadFile(_files[index].FullPath)];

    protected abstract InputTensor ReadFile(string path);

    /// <summary>Reads a whole file, turning I/O failures into <see cref="DataSourceException"/> naming it.</summary>
    protected static byte[] ReadAllBytes(string path)
    {
        CorruptFileException.ThrowIfNotReadable(path);
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"Cannot read '{path}': {e.Message}", e);
        }
    }
}
