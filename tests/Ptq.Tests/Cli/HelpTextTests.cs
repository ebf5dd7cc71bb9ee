using System.Reflection;
using Ptq.Cli;

namespace Ptq.Tests.Cli;

/// <summary>
/// Approves <c>ptq --help</c> against Cli/Golden/help.txt. After an intended change, rerun with
/// PTQ_UPDATE_GOLDEN=1 to rewrite the golden file, then review and commit its diff.
/// </summary>
public sealed class HelpTextTests
{
    [Fact]
    public void Root_help_matches_golden_text()
    {
        var result = CliRun.Run("ptq --help");

        Assert.Equal(0, result.ExitCode);
        GoldenText.Approve("help.txt", result.Out);
    }

    [Fact]
    public void Inspect_help_matches_golden_text()
    {
        var result = CliRun.Run("ptq inspect --help");

        Assert.Equal(0, result.ExitCode);
        GoldenText.Approve("inspect-help.txt", result.Out);
    }

    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var result = CliRun.Run("ptq --version");

        string expected = typeof(PtqCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.StartsWith("1.0.0", expected);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.Out.Trim());
    }
}
