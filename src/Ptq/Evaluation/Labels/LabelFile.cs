using System.Globalization;

namespace Ptq.Evaluation;

/// <summary>
/// <c>--labels FILE</c>: a text file of class indices in one of two formats, chosen by its first entry line.
/// <list type="bullet">
/// <item><b>Named</b>: <c>NAME LABEL</c> or <c>NAME,LABEL</c> per line (split at the last comma, else the last whitespace,
/// so names may contain spaces). NAME is matched against the sample's relative path (e.g. <c>cat/0001.jpg</c>), then against
/// its bare file name. A first line whose LABEL is not an integer is a header and skipped.</item>
/// <item><b>Positional</b>: one LABEL per line; line k (counting entry lines only) labels the k-th file in sorted order, i.e. the
/// sample's slice index for <c>file[i]</c> names, else its enumeration position (so do not shuffle with this format).</item>
/// </list>
/// LABEL is a non-negative integer class index. Blank lines and lines starting with '#' are ignored in both formats.
/// </summary>
internal sealed class LabelFile : ILabelSource
{
    private readonly Dictionary<string, int>? _byName;
    private readonly Dictionary<string, int>? _byFileName;
    private readonly int[]? _byPosition;

    /// <summary>Reads and validates the whole file.</summary>
    /// <exception cref="LabelException">
    /// When the file cannot be read, holds no entries, mixes the two formats, has a LABEL that is not a non-negative integer,
    /// or repeats a NAME; the message names the file and the 1-based line.
    /// </exception>
    public LabelFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        string[] lines = LabelText.ReadLines(path, "labels file");
        var entries = Enumerable.Range(0, lines.Length).Where(i => !LabelText.IsSkipped(lines[i])).ToList();
        if (entries.Count == 0) throw new LabelException($"Labels file '{path}' has no labels.");
        bool named = LabelText.SplitLast(lines[entries[0]]) is not null;
        if (named && !IsIndex(LabelText.SplitLast(lines[entries[0]])!.Value.Label)) entries.RemoveAt(0); // header
        if (named)
        {
            _byName = new Dictionary<string, int>(StringComparer.Ordinal);
            var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (int i in entries)
            {
                var (name, text) = LabelText.SplitLast(lines[i]) ?? throw Error(i, "has a single field but the file uses 'NAME LABEL' lines (from its first entry)");
                int label = Parse(text, i);
                if (!firstLine.TryAdd(name, i))
                    throw Error(i, $"repeats name '{name}' (first on line {firstLine[name] + 1})");
                _byName[name] = label;
            }
            // Bare file names help when the labels list files without the sub-folder; names that repeat across folders stay ambiguous and are left out.
            _byFileName = _byName.GroupBy(p => LabelText.FileName(p.Key), StringComparer.Ordinal).Where(g => g.Count() == 1)
                .ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
            Count = _byName.Count;
        }
        else
        {
            _byPosition = [.. entries.Select(i => LabelText.SplitLast(lines[i]) is null
                ? Parse(lines[i].Trim(), i)
                : throw Error(i, "has two fields but the file uses one LABEL per line (from its first entry)"))];
            Count = _byPosition.Length;
        }

        LabelException Error(int line, string what) => new($"Labels file '{path}' line {line + 1} {what}: '{lines[line].Trim()}'.");

        int Parse(string text, int line) => IsIndex(text)
            ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw Error(line, $"has label '{text}', which is not a non-negative integer class index");
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Number of labels in the file.</summary>
    public int Count { get; }

    /// <summary>True when the file lists <c>NAME LABEL</c> pairs, false for one label per line.</summary>
    public bool IsNamed => _byName is not null;

    /// <inheritdoc/>
    public string Description => $"labels file '{Path}' ({Count} {(IsNamed ? "named" : "positional")} labels)";

    /// <inheritdoc/>
    public int LabelOf(string sourceName, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        string file = LabelText.FirstFile(sourceName);
        if (_byPosition is not null)
        {
            int position = LabelText.SliceIndex(file) ?? sampleIndex;
            return (uint)position < (uint)_byPosition.Length
                ? _byPosition[position]
                : throw new LabelException($"Labels file '{Path}' has {_byPosition.Length} labels but sample '{sourceName}' is number {position} (0-based).");
        }
        if (_byName!.TryGetValue(file, out int label) || _byFileName!.TryGetValue(LabelText.FileName(file), out label))
            return label;
        throw new LabelException($"Labels file '{Path}' has no line for sample '{sourceName}' (looked up '{file}' and '{LabelText.FileName(file)}').");
    }

    private static bool IsIndex(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _);
}
