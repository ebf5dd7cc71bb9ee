using System.Diagnostics;
using System.Text;

namespace Ptq.Tests.Packaging;

/// <summary>The outcome of one child process: exit code and its standard output and error together.</summary>
internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>
/// Runs the dotnet host (the one running the tests) or a program as a child process, with the MSBuild and VSTest
/// variables that <c>dotnet test</c> sets removed, so a nested <c>dotnet pack</c> behaves as it does in a shell.
/// </summary>
internal static class DotnetProcess
{
    /// <summary>The dotnet host: DOTNET_HOST_PATH when the SDK set it, else <c>dotnet</c> on PATH.</summary>
    public static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Runs <c>dotnet ARGS</c>.</summary>
    public static ProcessResult Dotnet(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args) =>
        Run(Host, workingDirectory, environment, timeout, args);

    /// <summary>Runs <paramref name="program"/>, failing the test when it does not finish within <paramref name="timeout"/>.</summary>
    public static ProcessResult Run(string program, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{program} {string.Join(' ', args)}' did not finish in {timeout.TotalMinutes} min:\n{output}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new ProcessResult(process.ExitCode, output.ToString());
    }
}
