using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Reflection;
using Ptq.Cli;
using Ptq.Cli.Help;

namespace Ptq.Tests.Cli;

/// <summary>
/// Approves every command's help against Cli/Golden/*-help.txt (after an intended change, rerun with
/// PTQ_UPDATE_GOLDEN=1 to rewrite the golden files, then review and commit their diff), and checks what help promises:
/// examples that parse, placeholders that say what to write, and typo suggestions.
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

    [Theory]
    [InlineData("calibrate", "calibrate-help.txt")]
    [InlineData("stats", "stats-help.txt")]
    [InlineData("stats merge", "stats-merge-help.txt")]
    [InlineData("quantize", "quantize-help.txt")]
    [InlineData("recipe", "recipe-help.txt")]
    [InlineData("demo", "demo-help.txt")]
    [InlineData("bolt", "bolt-help.txt")]
    [InlineData("tnn", "tnn-help.txt")]
    [InlineData("distiller", "distiller-help.txt")]
    [InlineData("mindspore", "mindspore-help.txt")]
    public void Command_help_matches_golden_text(string command, string golden)
    {
        var result = CliRun.Run($"ptq {command} --help");

        Assert.Equal(0, result.ExitCode);
        GoldenText.Approve(golden, result.Out);
    }

    [Fact]
    public void Every_command_has_two_to_four_examples_that_parse_to_it()
    {
        var root = PtqCli.BuildRootCommand(CliConsole.ForWriters(TextWriter.Null, TextWriter.Null));
        foreach (var command in Commands(root))
        {
            var examples = HelpExamples.Of(command);
            Assert.InRange(examples.Count, 2, 4);
            foreach (var example in examples)
            {
                // A shell redirection is not part of the command line.
                string line = example.CommandLine.Split(" > ")[0];
                var args = CommandLineParser.SplitCommandLine(line).Skip(1).ToList();
                var result = root.Parse(args);
                Assert.True(result.Errors.Count == 0, $"'{example.CommandLine}': {string.Join("; ", result.Errors.Select(e => e.Message))}");
                // A command's examples run it; a group's may show what to do next with its results.
                Assert.True(command.Subcommands.Count > 0 || result.CommandResult.Command == command,
                    $"'{example.CommandLine}' is an example of '{command.Name}' but runs '{result.CommandResult.Command.Name}'");
            }
        }
    }

    [Fact]
    public void Placeholders_say_what_to_write_not_the_option_name_again()
    {
        var root = PtqCli.BuildRootCommand(CliConsole.ForWriters(TextWriter.Null, TextWriter.Null));
        foreach (var option in Commands(root).SelectMany(HelpLayout.VisibleOptions).Distinct())
        {
            if (option.ValueType == typeof(bool) || option is HelpOption or VersionOption) continue;
            Assert.False(option.HelpName is null, $"{option.Name} has no placeholder");
            Assert.NotEqual(option.Name.TrimStart('-'), option.HelpName, StringComparer.OrdinalIgnoreCase);
            // The default is said once: by the description, or by help from the option's default value.
            int said = (option.Description ?? "").Split("default").Length - 1 + (option.HasDefaultValue ? 1 : 0);
            Assert.True(said <= 1, $"{option.Name} says its default {said} times");
        }
    }

    [Fact]
    public void A_mistyped_option_gets_the_closest_name_and_no_second_error()
    {
        var result = CliRun.Run("ptq quantize model.onnx -o out.onnx --resize-shrot 256");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("ptq: error: unknown option '--resize-shrot'; did you mean --resize-short?\nRun 'ptq quantize --help' for usage.\n",
            result.Error.Replace("\r\n", "\n"));
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("ptq eval m.onnx --data d --refs f.onnx", "did you mean --ref?")]
    [InlineData("ptq calibrate m.onnx --data d -o s.json --shrad 1/2", "did you mean --shard?")]
    [InlineData("ptq quantize m.onnx -o o.onnx --wieght-bits 4", "did you mean --weight-bits?")]
    [InlineData("ptq quantize m.onnx -o o.onnx --acuracy-guard off", "did you mean --accuracy-guard?")]
    [InlineData("ptq quantize m.onnx -o o.onnx --skip conv1 --calib-szie 10", "did you mean --calib-size?")]
    public void Typos_are_matched_against_the_command_own_options(string commandLine, string suggestion)
    {
        var result = CliRun.Run(commandLine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(suggestion, result.Error);
    }

    [Fact]
    public void A_name_close_to_nothing_gets_no_suggestion()
    {
        var result = CliRun.Run("ptq inspect model.onnx --frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ptq: error: unknown option '--frobnicate'\n", result.Error.Replace("\r\n", "\n"));
    }

    private static IEnumerable<Command> Commands(Command command) =>
        command.Subcommands.SelectMany(Commands).Prepend(command);

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
