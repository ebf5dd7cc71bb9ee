namespace Ptq.Tests;

/// <summary>
/// A fact that takes minutes on two cores (an end-to-end search on a real model): runs when PTQ_SLOW=1, as CI sets it;
/// otherwise reported as skipped with the reason, so that README's <c>dotnet test</c> stays short.
/// </summary>
internal sealed class SlowFactAttribute : FactAttribute
{
    /// <summary>Words that every skip reason of a test CI must run contains; <c>.ci/run</c> fails when it finds them.</summary>
    public const string CiRunsIt = "CI runs it";

    public static bool Enabled => Environment.GetEnvironmentVariable("PTQ_SLOW") == "1";

    public SlowFactAttribute(string what)
    {
        if (!Enabled)
            Skip = $"slow test ({what}): set PTQ_SLOW=1 to run it; {CiRunsIt}";
    }
}
