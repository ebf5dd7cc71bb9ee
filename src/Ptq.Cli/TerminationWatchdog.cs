using System.Runtime.InteropServices;

namespace Ptq.Cli;

/// <summary>
/// Bounds the time from SIGINT/SIGTERM to exit. The command's cancellation token is observed between samples and
/// stages, but one stage (preparing a large model, one ORT run of it) can outlast the "second or two" a user waits
/// for; when the run has not ended <see cref="Grace"/> after the signal, the process deletes its pending temporary
/// outputs (<see cref="Ptq.IO.AtomicCommit.DeletePendingFiles"/>), so old outputs stay untouched, and exits with 130
/// through <c>_exit</c>: Environment.Exit would run ONNX Runtime's native destructors, which abort when a session is
/// being created at that moment.
/// Only the real process installs it (<see cref="PtqCli.RunAsync"/>), never in-process test runs.
/// </summary>
internal sealed class TerminationWatchdog : IDisposable
{
    /// <summary>Time the command gets to stop by itself after a signal.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TextWriter _error;
    private Timer? _timer;

    private TerminationWatchdog(TextWriter error) => _error = error;

    /// <summary>
    /// Registers for SIGINT and SIGTERM where the platform supports it. The signal's default action (ending the process
    /// at once, exit 143 for SIGTERM) is cancelled, so a signal that arrives before the command line library has
    /// registered its own handler also ends in 130, by the watchdog.
    /// </summary>
    public static TerminationWatchdog Start(TextWriter error)
    {
        var watchdog = new TerminationWatchdog(error);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try { watchdog._registrations.Add(PosixSignalRegistration.Create(signal, watchdog.OnSignal)); }
            catch (PlatformNotSupportedException) { }
        }
        return watchdog;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Interlocked.CompareExchange(ref _timer, new Timer(_ => ForceExit(), null, Grace, Timeout.InfiniteTimeSpan), null);
    }

    private void ForceExit()
    {
        _error.WriteLine("ptq: interrupted");
        _error.Flush();
        Ptq.IO.AtomicCommit.DeletePendingFiles();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            try { ExitNow(ExitCodes.Interrupted); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        Environment.Exit(ExitCodes.Interrupted);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern void ExitNow(int status);

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _timer?.Dispose();
    }
}
