namespace Ptq.Tests.Onnx.Large;

/// <summary>
/// The process's resident-set high-water mark (Linux VmHWM), resettable through /proc/self/clear_refs so that one
/// operation's peak can be measured inside a test process that held more before it.
/// </summary>
internal static class PeakMemory
{
    /// <summary>Resets the high-water mark to the current resident set (after a full GC) and returns that resident set in bytes.</summary>
    public static long Reset()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
        return Field("VmRSS:");
    }

    /// <summary>The resident-set high-water mark in bytes since the last <see cref="Reset"/>.</summary>
    public static long Read() => Field("VmHWM:");

    private static long Field(string name)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(name, StringComparison.Ordinal));
        return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
