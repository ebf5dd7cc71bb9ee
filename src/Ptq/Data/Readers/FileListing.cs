namespace Ptq.Data.Readers;

/// <summary>A data file: its full path and the name used for ordering and messages (relative to the SPEC folder, '/' separated).</summary>
internal readonly record struct DataFile(string FullPath, string RelativePath);

/// <summary>The kinds of file a SPEC can name.</summary>
internal enum DataFileKind
{
    Unknown,
    Image,
    Bin,
    Text,
    Npy,
    Npz,
    Idx,
}

/// <summary>Lists and classifies the files behind a SPEC path.</summary>
internal static class FileListing
{
    /// <summary>Kind by file name: extension (case-insensitive), or the idx naming convention (<c>*-idx3-ubyte[.gz]</c>).</summary>
    public static DataFileKind Classify(string fileName)
    {
        string lower = fileName.ToLowerInvariant();
        if (lower.EndsWith("-ubyte", StringComparison.Ordinal) || lower.EndsWith("-ubyte.gz", StringComparison.Ordinal) ||
            lower.EndsWith(".idx", StringComparison.Ordinal) || lower.EndsWith(".idx.gz", StringComparison.Ordinal))
            return DataFileKind.Idx;
        return Path.GetExtension(lower) switch
        {
            ".jpg" or ".jpeg" or ".png" or ".bmp" => DataFileKind.Image,
            ".bin" or ".raw" => DataFileKind.Bin,
            ".txt" => DataFileKind.Text,
            ".npy" => DataFileKind.Npy,
            ".npz" => DataFileKind.Npz,
            _ => DataFileKind.Unknown,
        };
    }

    /// <summary>True for an idx label file (idx1), which a folder SPEC ignores: labels are not model inputs.</summary>
    public static bool IsIdxLabels(string fileName) => fileName.Contains("idx1", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The data files of <paramref name="path"/>: the file itself, or a folder's files of known kinds sorted by ordinal
    /// relative path (hidden files, unknown extensions and idx label files are ignored), and their common kind.
    /// </summary>
    /// <exception cref="DataSourceException">When the path does not exist, the folder has no data files, or holds files of several kinds.</exception>
    public static (DataFileKind Kind, IReadOnlyList<DataFile> Files) List(string path, bool recursive)
    {
        if (File.Exists(path))
        {
            DataFileKind kind = Classify(Path.GetFileName(path));
            if (kind == DataFileKind.Unknown)
                throw new DataSourceException($"Data file '{path}' has an unknown kind; expected .jpg/.jpeg/.png/.bmp, .bin, .txt, .npy, .npz or an idx file (*-idx3-ubyte[.gz]).");
            return (kind, [new DataFile(Path.GetFullPath(path), Path.GetFileName(path))]);
        }
        if (!Directory.Exists(path))
            throw new DataSourceException($"Data path '{path}' does not exist (full path '{Path.GetFullPath(path)}').");

        string root = Path.GetFullPath(path);
        var files = new List<(DataFile File, DataFileKind Kind)>();
        foreach (string full in recursive ? EnumerateTree(root) : Directory.EnumerateFiles(root))
        {
            string rel = Path.GetRelativePath(root, full).Replace('\\', '/');
            if (rel.Split('/').Any(part => part.StartsWith('.'))) continue;
            DataFileKind kind = Classify(Path.GetFileName(full));
            if (kind == DataFileKind.Unknown || (kind == DataFileKind.Idx && IsIdxLabels(Path.GetFileName(full)))) continue;
            files.Add((new DataFile(full, rel), kind));
        }
        if (files.Count == 0)
        {
            bool hasSubfolders = !recursive && Directory.EnumerateDirectories(root).Any();
            throw new DataSourceException($"Data folder '{path}' contains no data files (.jpg/.jpeg/.png/.bmp, .bin, .txt, .npy, .npz, idx)" +
                (hasSubfolders ? "; it has subfolders: enable recursive listing to use them." : "."));
        }
        var kinds = files.GroupBy(f => f.Kind).ToList();
        if (kinds.Count > 1)
            throw new DataSourceException($"Data folder '{path}' mixes file kinds ({string.Join(", ", kinds.Select(g => $"{g.Count()} {g.Key}"))}); put each kind in its own folder.");
        files.Sort((a, b) => string.CompareOrdinal(a.File.RelativePath, b.File.RelativePath));
        return (kinds[0].Key, files.Select(f => f.File).ToList());
    }

    /// <summary>
    /// Files below <paramref name="root"/>, following links to folders but refusing any folder reached twice (by real
    /// path): a link back up the tree would list the same files again and again, and a second link to one folder
    /// would count its samples twice.
    /// </summary>
    private static IEnumerable<string> EnumerateTree(string root)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(root);
        var files = new List<string>();
        while (pending.TryPop(out string? folder))
        {
            string real;
            try { real = IO.RealPath.Resolve(folder); }
            catch (IOException e) { throw new DataSourceException($"Data folder '{folder}' cannot be resolved: {e.Message}", e); }
            if (!seen.TryAdd(real, folder))
                throw new DataSourceException(
                    $"Data folder '{folder}' is the folder '{seen[real]}' again (real path '{real}'): a symbolic link loop or a second link to one folder; " +
                    "remove the link or list without recursion.");
            files.AddRange(Directory.EnumerateFiles(folder));
            foreach (string sub in Directory.EnumerateDirectories(folder).OrderByDescending(d => d, StringComparer.Ordinal))
            {
                if (!Path.GetFileName(sub).StartsWith('.'))
                    pending.Push(sub);
            }
        }
        return files;
    }
}
