using System.CommandLine;
using System.CommandLine.Parsing;
using Ptq.Cli.Help;

namespace Ptq.Cli.Options;

/// <summary>The required <c>-o/--output</c> option of commands that write one file.</summary>
internal static class OutputOption
{
    /// <summary>
    /// Creates the option with a help name such as OUT.onnx. A path in a folder that does not exist or cannot be written
    /// is a usage error at parse time, before any calibration work, rather than a failed save at the end.
    /// </summary>
    public static Option<string> Create(string helpName, string description)
    {
        var option = new Option<string>("--output", "-o") { HelpName = helpName, Description = description, Required = true };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not { Length: > 0 } path)
                return;
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null && !Directory.Exists(folder))
            {
                result.AddError($"-o '{path}': folder '{folder}' does not exist; create it first");
                return;
            }
            try { Ptq.IO.AtomicFile.CheckWritable(path); }
            catch (PtqException ex) { result.AddError($"-o {ex.Message}"); }
        });
        return option.In(HelpSection.Output);
    }
}
