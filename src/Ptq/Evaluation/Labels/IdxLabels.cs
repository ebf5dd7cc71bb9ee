using Ptq.Data;

namespace Ptq.Evaluation;

/// <summary>
/// Labels from an idx1 file (MNIST <c>t10k-labels-idx1-ubyte[.gz]</c>, read by <see cref="IdxReader.ReadLabels"/>): the
/// label of a <c>file[i]</c> sample is entry i; other samples take the entry at their enumeration position.
/// </summary>
internal sealed class IdxLabels : ILabelSource
{
    private readonly byte[] _labels;

    /// <summary>Reads the whole label file.</summary>
    /// <exception cref="DataSourceException">When the file is missing, unreadable or not an idx1 uint8 file (names it).</exception>
    public IdxLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _labels = IdxReader.ReadLabels(path);
        Path = path;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Number of labels.</summary>
    public int Count => _labels.Length;

    /// <inheritdoc/>
    public string Description => $"idx labels '{Path}' ({Count} labels)";

    /// <inheritdoc/>
    public int LabelOf(string sourceName, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        int index = LabelText.SliceIndex(LabelText.FirstFile(sourceName)) ?? sampleIndex;
        return (uint)index < (uint)_labels.Length
            ? _labels[index]
            : throw new LabelException($"Idx labels '{Path}' has {_labels.Length} labels but sample '{sourceName}' is number {index} (0-based).");
    }
}
