namespace Ptq.IO;

/// <summary>
/// The real path of a file: every symbolic link on the way resolved, like POSIX <c>realpath</c>, so a check that a path
/// lies inside a folder cannot be passed by a link (a file or a sub-folder) that points elsewhere.
/// </summary>
internal static class RealPath
{
    /// <summary>Links followed before giving up, as Linux does (MAXSYMLINKS).</summary>
    private const int MaxLinks = 40;

    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    /// <summary>
    /// Resolves <paramref name="path"/> (made absolute first). Components that do not exist are kept as written, so the
    /// result of a missing file is still the place it would be. Throws <see cref="IOException"/> on a link loop.
    /// </summary>
    public static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        Push(pending, full[root.Length..]);
        string current = root;
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks)
                throw new IOException($"too many levels of symbolic links resolving '{path}'");
            if (Path.IsPathRooted(target))
            {
                string targetRoot = Path.GetPathRoot(target)!;
                current = targetRoot;
                target = target[targetRoot.Length..];
            }
            Push(pending, target);
        }
        return current;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies below it (both real, full paths).</summary>
    public static bool IsUnder(string path, string folder)
    {
        string withSeparator = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(withSeparator, StringComparison.Ordinal);
    }

    private static void Push(Stack<string> pending, string relative)
    {
        string[] parts = relative.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
            pending.Push(parts[i]);
    }
}
