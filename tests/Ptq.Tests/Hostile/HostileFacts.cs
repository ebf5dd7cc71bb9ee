using System.Diagnostics;

namespace Ptq.Tests.Hostile;

/// <summary>A fact that needs Linux tools (mkfifo, ln -s, kill); skipped elsewhere with the reason.</summary>
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "needs Linux (FIFOs, symbolic links and signals are made with mkfifo, ln and kill)";
    }
}

/// <summary>A fact that mounts a small tmpfs (full or read-only output locations); skipped with the reason when mounting is not allowed.</summary>
internal sealed class MountFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Refusal = new(TmpfsMount.WhyNot);

    public MountFactAttribute()
    {
        if (Refusal.Value is { } why)
            Skip = $"cannot mount a tmpfs here ({why}); the full and read-only disk cases need one";
    }
}

/// <summary>A tmpfs mounted for one test and unmounted on dispose.</summary>
internal sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(string path, int sizeKb, bool readOnly = false)
    {
        Path = path;
        Directory.CreateDirectory(path);
        string options = $"size={sizeKb}k" + (readOnly ? ",ro" : "");
        int code = HostileRun.Tool("mount", "-t", "tmpfs", "-o", options, "tmpfs", path);
        if (code != 0)
            throw new InvalidOperationException($"mount tmpfs at {path} failed with {code}");
    }

    public string Path { get; }

    public static string? WhyNot()
    {
        if (!OperatingSystem.IsLinux())
            return "not Linux";
        string probe = Directory.CreateTempSubdirectory("ptq-mount-probe-").FullName;
        try
        {
            int code;
            try { code = HostileRun.Tool("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe); }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return "no mount command"; }
            if (code != 0)
                return $"mount exited {code}; it needs root or CAP_SYS_ADMIN";
            HostileRun.Tool("umount", probe);
            return null;
        }
        finally
        {
            try { Directory.Delete(probe); } catch (IOException) { }
        }
    }

    public void Dispose()
    {
        for (int attempt = 0; attempt < 20 && HostileRun.Tool("umount", Path) != 0; attempt++)
            Thread.Sleep(100);
        try { Directory.Delete(Path); } catch (IOException) { }
    }
}
