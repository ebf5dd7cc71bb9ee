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
    public static (FuzzResult Result, string? Detail) Run(byte[] bytes, string name, TimeSpan limit)
    {
        var work = Task.Run(() => RunCore(bytes, name));
        if (!work.Wait(limit))
            return (FuzzResult.TimedOut, $"no result after {limit.TotalSeconds} s");
        return work.Result;
    }

    private static (FuzzResult, string?) RunCore(byte[] bytes, string name)
    {
        try
        {
            using var model = ModelIO.Load(bytes, name);
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
