using Ptq.Onnx;

namespace Ptq.Tests.Onnx.Fuzz;

/// <summary>How one damaged model ended.</summary>
internal enum FuzzResult
{
    /// <summary>ModelIO.Load and ModelIO.ToBytes both succeeded.</summary>
    Loaded,
    /// <summary>A <see cref="PtqException"/> refused the file (the wanted outcome for damage).</summary>
    Refused,
    /// <summary>Any other exception: a bug.</summary>
    Crashed,
    /// <summary>Did not finish within the time limit: a bug.</summary>
    TimedOut,
}

/// <summary>Runs one damaged model through load and serialization under a time limit.</summary>
internal static class FuzzCase
{
    /// <summary>
    /// Loads <paramref name="bytes"/> from memory, or — when <paramref name="folder"/> is given — from a file written
    /// there, so external-data locations are resolved against a real folder.
    /// </summary>
    public static (FuzzResult Result, string? Detail) Run(byte[] bytes, string name, TimeSpan limit, string? folder = null)
    {
        var work = Task.Run(() => folder is null ? RunCore(() => ModelIO.Load(bytes, name)) : RunFromFile(bytes, name, folder));
        if (!work.Wait(limit))
            return (FuzzResult.TimedOut, $"no result after {limit.TotalSeconds} s");
        return work.Result;
    }

    private static (FuzzResult, string?) RunFromFile(byte[] bytes, string name, string folder)
    {
        string path = Path.Combine(folder, name.Replace('#', '_'));
        File.WriteAllBytes(path, bytes);
        try { return RunCore(() => ModelIO.Load(path)); }
        finally { File.Delete(path); }
    }

    private static (FuzzResult, string?) RunCore(Func<OnnxModel> load)
    {
        try
        {
            using var model = load();
            byte[] written = ModelIO.ToBytes(model);
            return (FuzzResult.Loaded, $"{written.Length} bytes");
        }
        catch (PtqException ex)
        {
            return (FuzzResult.Refused, ex.GetType().Name);
        }
        catch (Exception ex)
        {
            return (FuzzResult.Crashed, $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
    }
}
