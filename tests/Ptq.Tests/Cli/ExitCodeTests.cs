using System.CommandLine;
using Ptq.Cli;

namespace Ptq.Tests.Cli;

/// <summary>The exit-code contract of DESIGN.md §6, checked with stand-in commands.</summary>
public sealed class ExitCodeTests
{
    private static Func<CliConsole, Command> RootRunning(Func<CancellationToken, int> action) => _ =>
    {
        var command = new Command("work");
        command.SetAction((_, ct) => Task.FromResult(action(ct)));
        return new RootCommand { command };
    };

    [Fact]
    public void Success_exits_0()
    {
        var result = CliRun.Invoke(RootRunning(_ => ExitCodes.Ok), "work");
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Target_not_met_passes_1_through()
    {
        var result = CliRun.Invoke(RootRunning(_ => ExitCodes.TargetNotMet), "work");
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void PtqException_exits_2_with_its_message_and_no_stack_trace()
    {
        var result = CliRun.Invoke(RootRunning(_ => throw new PtqException("option --x is bad; use --y")), "work");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("ptq: error: option --x is bad; use --y", result.Error.TrimEnd());
    }

    [Fact]
    public void Unexpected_exception_exits_3_and_asks_for_a_report()
    {
        var result = CliRun.Invoke(RootRunning(_ => throw new InvalidOperationException("index broke")), "work");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("ptq: internal error: InvalidOperationException: index broke", result.Error);
        Assert.Contains("report", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void Cancellation_exits_130()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var result = CliRun.Invoke(RootRunning(ct => { ct.ThrowIfCancellationRequested(); return 0; }), "work", cancelled.Token);

        Assert.Equal(130, result.ExitCode);
    }
}
