namespace Ptq.IO;

/// <summary>
/// Writes several files that belong together (a model, its external data and its quant_param.csv) so that none
/// appears until all are complete: each is written to a hidden temporary file beside its target, and
/// <see cref="Commit"/> renames them into place only after every write succeeded. Disposing without committing deletes
/// the temporary files and leaves every target untouched. A failed write (disk full, no permission) therefore never
/// leaves a new file next to a stale or missing companion. The renames themselves are metadata operations in the
/// targets' folders; should one still fail, the files already renamed are removed again, so a run leaves either all
/// of its outputs or none of them. Temporary files still pending when the process exits (a forced exit after an
/// interrupt) are deleted by a process-exit handler.
/// </summary>
internal sealed class AtomicCommit : IDisposable
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Pending = new(StringComparer.Ordinal);
    private readonly List<(string Temp, string Target)> _staged = [];
    private bool _committed;

    static AtomicCommit() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DeletePendingFiles();

    /// <summary>
    /// Deletes the temporary files of every commit not yet committed or disposed, for a process that must exit at once
    /// (an interrupt whose command did not stop in time): its outputs then stay as they were before the run.
    /// </summary>
    public static void DeletePendingFiles()
    {
        foreach (string temp in Pending.Keys)
            TryDelete(temp);
    }

    /// <summary>
    /// Reserves a temporary path beside <paramref name="target"/> for a caller that writes it itself; it is renamed to
    /// <paramref name="target"/> by <see cref="Commit"/> (in staging order) and deleted if the commit does not happen.
    /// </summary>
    /// <exception cref="PtqException">When the target's folder does not exist.</exception>
    public string Stage(string target)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        string full = Path.GetFullPath(target);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new PtqException($"cannot write '{target}': folder '{directory}' does not exist");
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        _staged.Add((temp, full));
        Pending.TryAdd(temp, 0);
        return temp;
    }

    /// <summary>Stages <paramref name="target"/> and writes its temporary file through <paramref name="write"/> now. I/O errors propagate unchanged.</summary>
    public void Write(string target, Action<Stream> write)
    {
        string temp = Stage(target);
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);
    }

    /// <summary>Renames every staged file over its target, in staging order.</summary>
    /// <exception cref="PtqException">When a rename fails; the outputs renamed before it are removed again.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        _committed = true;
        int done = 0;
        try
        {
            for (; done < _staged.Count; done++)
            {
                File.Move(_staged[done].Temp, _staged[done].Target, overwrite: true);
                Pending.TryRemove(_staged[done].Temp, out _);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            for (int i = 0; i < _staged.Count; i++)
            {
                TryDelete(i < done ? _staged[i].Target : _staged[i].Temp);
                Pending.TryRemove(_staged[i].Temp, out _);
            }
            throw new PtqException($"cannot move '{_staged[done].Target}' into place: {ex.Message}", ex);
        }
    }

    /// <summary>Deletes the temporary files unless <see cref="Commit"/> ran.</summary>
    public void Dispose()
    {
        if (_committed)
            return;
        _committed = true;
        foreach (var (temp, _) in _staged)
        {
            TryDelete(temp);
            Pending.TryRemove(temp, out _);
        }
    }

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
