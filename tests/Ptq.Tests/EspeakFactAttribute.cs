using Ptq.Tests.Integration;

namespace Ptq.Tests;

/// <summary>
/// A fact that needs speech rendered by espeak-ng: skipped, saying why, where espeak-ng is not installed. CI installs it
/// (<c>.ci/run</c>), and the skip reason carries <see cref="SlowFactAttribute.CiRunsIt"/> so a skip there fails CI.
/// </summary>
internal sealed class EspeakFactAttribute : FactAttribute
{
    public EspeakFactAttribute()
    {
        if (RenderedSpeech.Missing is { } reason)
            Skip = $"needs rendered speech: {reason}; {SlowFactAttribute.CiRunsIt}";
    }
}
