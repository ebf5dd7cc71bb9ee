using System.Globalization;

namespace Ptq.Data.Readers;

/// <summary>TNN-style .txt files: whitespace-separated floats (usually one per line) in C order (NCHW) for one sample.</summary>
internal sealed class TextFileReader : FilePerSampleReader
{
    private static readonly char[] Separators = [' ', '\t', '\r', '\n', ','];
    private readonly int[] _dims;

    public TextFileReader(string specPath, ModelInputInfo input, IReadOnlyList<DataFile> files, DataSourceOptions options)
        : base(specPath, input, files) => _dims = ShapeResolver.Resolve(input, options.Shapes);

    protected override InputTensor ReadFile(string path)
    {
        long expected = ShapeResolver.Product(_dims);
        string text;
        CorruptFileException.ThrowIfNotReadable(path);
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"Cannot read '{path}': {e.Message}", e);
        }
        string[] items = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        if (items.Length != expected)
            throw new DataSourceException($"'{path}' has {items.Length} values but input '{Input.Name}' of shape [{string.Join(",", _dims)}] needs {expected} (one float per line, NCHW order).");
        var values = new float[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (!float.TryParse(items[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new CorruptFileException(path, $"'{path}': value {i + 1} ('{items[i]}') is not a number.");
        }
        return InputTensor.FromFloats(Input.Name, Input.ElementType, _dims, values);
    }
}
