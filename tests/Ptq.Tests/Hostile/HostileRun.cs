using System.Diagnostics;
using Ptq.Tests.Cli;

namespace Ptq.Tests.Hostile;

/// <summary>Runs <c>ptq</c> on a hostile case: in-process with a time limit, or as a child process for signals and crashes.</summary>
internal static class HostileRun
{
    /// <summary>The built CLI beside the test assembly (the test project references Ptq.Cli, so it is copied there).</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "Ptq.Cli.dll");

    /// <summary>
    /// Runs <paramref name="commandLine"/> in-process; fails the test when it has not finished within
    /// <paramref name="limitSeconds"/> (the run is cancelled and left behind).
    /// </summary>
    public static (CliResult Result, TimeSpan Elapsed) InProcess(string commandLine, double limitSeconds = 30)
    {
        using var cancel = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => CliRun.Run(commandLine, cancel.Token));
        if (!run.Wait(TimeSpan.FromSeconds(limitSeconds)))
        {
            cancel.Cancel();
            Assert.Fail($"'{commandLine}' did not finish within {limitSeconds} s");
        }
        return (run.Result, clock.Elapsed);
    }

    /// <summary>Starts <c>dotnet Ptq.Cli.dll</c> with <paramref name="args"/>, output captured.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(CliDll);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["DOTNET_gcServer"] = "0";
        return Process.Start(info)!;
    }

    /// <summary>
    /// Runs <c>ptq</c> with <paramref name="args"/> under a shell that sends it SIG<paramref name="signal"/> after
    /// <paramref name="delaySeconds"/> and times the exit. The shell sends the signal because processes the test host
    /// starts live in PID namespaces where a <c>kill</c> it starts cannot reach them, and it restores default signal
    /// handling (<c>env --default-signal</c>) because the test host ignores SIGINT and ignored signals survive exec.
    /// Returns the exit code (null when the run ended before the signal), the milliseconds from signal to exit and stderr.
    /// </summary>
    public static (int? ExitCode, long Milliseconds, string Error) Interrupted(string signal, double delaySeconds, params string[] args)
    {
        const string script = """
            env --default-signal=INT,QUIT,TERM DOTNET_gcServer=0 dotnet exec "$@" &
            pid=$!
            # The delay counts from when ptq's own code runs: the runtime catches SIGTERM (bit 15 of SigCgt) and the library
            # Ptq.dll is mapped, which happens after ptq registered its signal handlers. Before that, any process dies of it
            # (on a loaded machine the runtime's start-up alone can take seconds).
            for i in $(seq 1 600); do
              mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/$pid/status 2>/dev/null)
              [ -n "$mask" ] && [ $(( 0x$mask & 0x4000 )) -ne 0 ] && grep -q '/Ptq\.dll$' /proc/$pid/maps 2>/dev/null && break
              sleep 0.1
            done
            sleep "$DELAY"
            if ! kill -0 $pid 2>/dev/null; then wait $pid; echo "early $?"; exit 0; fi
            t0=$(date +%s%N)
            kill -s "$SIGNAL" $pid
            wait $pid; code=$?
            t1=$(date +%s%N)
            echo "exit $code $(( (t1 - t0) / 1000000 ))"
            """;
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(CliDll);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["DELAY"] = delaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["SIGNAL"] = signal;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string[] last = process.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Split(' ');
        process.WaitForExit();
        return last[0] == "exit"
            ? (int.Parse(last[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(last[2], System.Globalization.CultureInfo.InvariantCulture), error.Result)
            : (null, 0, $"ended before the signal with {string.Join(' ', last)}: {error.Result}");
    }

    /// <summary>Runs a child to the end (killed after <paramref name="limitSeconds"/>); returns exit code, stderr and time.</summary>
    public static (int ExitCode, string Error, TimeSpan Elapsed) Child(double limitSeconds, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var process = Start(args);
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(limitSeconds)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"killed after {limitSeconds} s\n" + error.Result, clock.Elapsed);
        }
        return (process.ExitCode, error.Result, clock.Elapsed);
    }

    /// <summary>Runs a shell tool (mkfifo, ln, mount…); returns its exit code.</summary>
    public static int Tool(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
