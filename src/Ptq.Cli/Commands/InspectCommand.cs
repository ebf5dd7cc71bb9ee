using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Cli.Output;
using Ptq.Inspection;
using Ptq.Onnx;

namespace Ptq.Cli.Commands;

/// <summary><c>ptq inspect MODEL [--json]</c>: maps onto <see cref="ModelInspector.Inspect"/>.</summary>
internal static class InspectCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("MODEL") { Description = "The ONNX model file to inspect." };
        var json = new Option<bool>("--json") { Description = "Write the report as JSON (camelCase, stable) instead of tables." }.In(HelpSection.Output);
        var command = new Command("inspect", "Show opset, inputs/outputs, operators, parameters by type and which nodes can be quantized.")
        {
            model,
            json,
        };
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var loaded = externalData.Load(parseResult, parseResult.GetRequiredValue(model));
            var report = ModelInspector.Inspect(loaded);
            if (parseResult.GetValue(json))
                console.Out.WriteLine(ModelReportJson.Serialize(report));
            else
                ModelReportView.Write(console.Ansi, report);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command.WithExamples(
            new("What is in the model: opset, inputs, operators, parameters, what can be quantized", "ptq inspect model.onnx"),
            new("The same report as JSON, for scripts", "ptq inspect model.onnx --json"));
    }
}
