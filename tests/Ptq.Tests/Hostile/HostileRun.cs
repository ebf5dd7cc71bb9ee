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
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(CliDll);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["DOTNET_gcServer"] = "0";
        return Process.Start(info)!;
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

    /// <summary>Sends SIGTERM or SIGINT to <paramref name="process"/> (the <c>kill</c> command; .NET's Kill sends SIGKILL).</summary>
    public static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
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
