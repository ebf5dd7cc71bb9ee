namespace Ptq.Evaluation;

/// <summary>Shared text handling for label sources: reading files, splitting fields, and taking sample names apart.</summary>
internal static class LabelText
{
    /// <summary>All lines of <paramref name="path"/> (1-based numbering is the caller's index + 1).</summary>
    /// <exception cref="LabelException">When the file is missing or unreadable.</exception>
    public static string[] ReadLines(string path, string what)
    {
        try { return File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabelException($"Cannot read {what} '{path}': {e.Message}", e);
        }
    }

    /// <summary>True for lines that carry no entry: blank, or starting with '#'.</summary>
    public static bool IsSkipped(string line) => line.Trim() is "" or ['#', ..];

    /// <summary>Splits <c>NAME,LABEL</c> at the last comma, else <c>NAME LABEL</c> at the last whitespace run; null for a single field.</summary>
    public static (string Name, string Label)? SplitLast(string line)
    {
        string t = line.Trim();
        int comma = t.LastIndexOf(',');
        if (comma >= 0) return (t[..comma].Trim(), t[(comma + 1)..].Trim());
        int space = t.LastIndexOfAny([' ', '\t']);
        return space < 0 ? null : (t[..space].TrimEnd(), t[(space + 1)..]);
    }

    /// <summary>The first field of a line: up to the first comma or whitespace.</summary>
    public static string FirstField(string line)
    {
        string t = line.Trim();
        int end = t.IndexOfAny([',', ' ', '\t']);
        return end < 0 ? t : t[..end];
    }

    /// <summary>The name of the first input's file in a (possibly multi-input) sample name: the part before <c>" + "</c>.</summary>
    public static string FirstFile(string sourceName)
    {
        int plus = sourceName.IndexOf(" + ", StringComparison.Ordinal);
        return plus < 0 ? sourceName : sourceName[..plus];
    }

    /// <summary>The last path segment of <paramref name="relativePath"/> ('/' separated).</summary>
    public static string FileName(string relativePath) => relativePath[(relativePath.LastIndexOf('/') + 1)..];

    /// <summary>The item index of a <c>file[i]</c> sample name (slices of idx/npy/npz files), or null.</summary>
    public static int? SliceIndex(string name)
    {
        if (!name.EndsWith(']')) return null;
        int open = name.LastIndexOf('[');
        return open >= 0 && int.TryParse(name.AsSpan(open + 1, name.Length - open - 2), System.Globalization.NumberStyles.None, null, out int i) ? i : null;
    }
}
