namespace Ptq.Cli;

/// <summary>Process exit codes of <c>ptq</c> (DESIGN.md §6). Scripts rely on them; do not renumber.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command ran, but a target the user stated (cosine, accuracy drop…) was not met.</summary>
    public const int TargetNotMet = 1;

    /// <summary>Bad input or usage: a parse error or any <see cref="PtqException"/>.</summary>
    public const int BadInput = 2;

    /// <summary>An unexpected exception: a bug in Ptq.</summary>
    public const int InternalError = 3;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
