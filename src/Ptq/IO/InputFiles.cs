namespace Ptq.IO;

/// <summary>
/// Checks made on an input file before it is opened. Opening a FIFO blocks until a writer appears and reading a device
/// never ends, and .NET exposes no file type on Unix; but the directory entry of a FIFO, socket or device reports size
/// 0, so requiring a non-empty size read from the entry (no open) keeps Ptq away from everything but regular files.
/// </summary>
internal static class InputFiles
{
    /// <summary>
    /// Why <paramref name="path"/> must not be read (missing, a folder, empty or not a regular file, larger than
    /// <paramref name="maxBytes"/>), or null when it may be; the file is not opened.
    /// </summary>
    public static string? Problem(string path, long maxBytes = long.MaxValue)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return Directory.Exists(path) ? $"'{path}' is a folder, not a file" : $"'{path}' does not exist";
        long length = info.Length;
        if (length == 0)
            return $"'{path}' is empty or not a regular file (FIFO, device or socket)";
        if (length > maxBytes)
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{path}' is {length:N0} bytes, over the limit of {maxBytes:N0} bytes for this kind of file");
        return null;
    }

    /// <summary>
    /// Reads <paramref name="path"/> as UTF-8 text after <see cref="Problem"/> found nothing but emptiness (an empty
    /// entry reads as "" unopened, so a FIFO reads as an empty document instead of blocking); else throws what
    /// <paramref name="fail"/> makes of the reason.
    /// </summary>
    public static string ReadAllText(string path, long maxBytes, Func<string, Exception?, Exception> fail)
    {
        if (new FileInfo(path) is { Exists: true, Length: 0 })
            return "";
        if (Problem(path, maxBytes) is { } problem)
            throw fail(problem, null);
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw fail($"cannot read '{path}': {e.Message}", e);
        }
    }
}
