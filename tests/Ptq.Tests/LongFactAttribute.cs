namespace Ptq.Tests;

/// <summary>A fact that runs only when PTQ_LONG=1 (slow or disk-hungry tests); otherwise reported as skipped with the reason.</summary>
internal sealed class LongFactAttribute : FactAttribute
{
    public static bool Enabled => Environment.GetEnvironmentVariable("PTQ_LONG") == "1";

    public LongFactAttribute(string what)
    {
        if (!Enabled)
            Skip = $"long test ({what}): set PTQ_LONG=1 to run it";
    }
}
