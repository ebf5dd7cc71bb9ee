using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Ptq.Cli;

/// <summary>
/// Prints the version of Ptq.Cli itself (informational version, with the commit when built from git), not of the
/// process entry assembly, which under a test host or <c>dotnet exec</c> is something else.
/// </summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    /// <summary>The version <c>ptq --version</c> prints.</summary>
    public static string Version { get; } =
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionAction).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return ExitCodes.Ok;
    }
}
