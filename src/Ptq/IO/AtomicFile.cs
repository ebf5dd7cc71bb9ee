namespace Ptq.IO;

/// <summary>
/// Writes a file so that readers see either the old contents or the complete new ones: the data goes to a hidden
/// temporary file in the same folder, which is renamed over the target only after it was written in full.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>. On any failure the temporary file is deleted and
    /// the target is untouched; I/O errors become a <see cref="PtqException"/> naming the path.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var commit = new AtomicCommit();
        try
        {
            commit.Write(path, write);
            commit.Commit();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PtqException($"cannot write '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> as part of <paramref name="commit"/>: the file
    /// appears only when the commit does (or, when <paramref name="commit"/> is null, at once, as <see cref="Write(string, Action{Stream})"/>).
    /// </summary>
    public static void Write(string path, Action<Stream> write, AtomicCommit? commit)
    {
        if (commit is null)
        {
            Write(path, write);
            return;
        }
        try { commit.Write(path, write); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PtqException($"cannot write '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Fails fast when <paramref name="path"/> could not be written later: its folder is missing or not writable, or
    /// the path is a folder. Creates and deletes a probe file, so a long computation is not spent for nothing.
    /// </summary>
    /// <exception cref="PtqException">Naming the path and the reason.</exception>
    public static void CheckWritable(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new PtqException($"cannot write '{path}': it is a folder");
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new PtqException($"cannot write '{path}': folder '{directory}' does not exist");
        string probe = Path.Combine(directory, ".ptq-write-probe." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PtqException($"cannot write '{path}': folder '{directory}' is not writable ({ex.Message})", ex);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(text);
        });

    /// <summary>Writes UTF-8 text (no byte-order mark, LF line ends) through <paramref name="write"/> atomically.</summary>
    public static void WriteText(string path, Action<TextWriter> write) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
            write(writer);
        });
}
