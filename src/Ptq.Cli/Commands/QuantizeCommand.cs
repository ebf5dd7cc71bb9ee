using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Recipes;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq quantize MODEL (--data SPEC... | --stats STATS.json) -o OUT.onnx [recipe flags]</c>: maps the recipe onto
/// <see cref="Quantizer.Quantize"/> (<see cref="QuantizeRun"/>), saves the model and quant_param.csv beside it, and prints a summary.
/// </summary>
internal static class QuantizeCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("MODEL") { Description = "The float ONNX model." };
        var output = OutputOption.Create("OUT.onnx", "Where to write the quantized model; quant_param.csv goes beside it.");
        var logging = new LoggingOptions();
        var quantize = new QuantizeOptions();
        var command = new Command("quantize", "Quantize a float model (calibrate, choose parameters, rewrite to QDQ).") { model, output };
        logging.AddTo(command);
        quantize.AddTo(command);
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var warnings = new List<string>();
            var recipe = quantize.ToRecipe(parseResult, warnings);
            foreach (string warning in warnings)
                console.Error.WriteLine($"ptq: warning: {warning}");
            string outputPath = parseResult.GetRequiredValue(output);
            using var loaded = externalData.Load(parseResult, parseResult.GetRequiredValue(model));
            return Task.FromResult(QuantizeRun.Execute(console, loaded, recipe, outputPath, logging.Logger(parseResult, console, LogLevel.Info),
                logging.Logger(parseResult, console, LogLevel.Debug), cancellationToken));
        });
        return command.WithExamples(
            new("int8 with the default recipe; the result is checked against float on 32 of the images",
                "ptq quantize model.onnx --data images/ -o model.int8.onnx"),
            new("Caffe-style preprocessing (BGR, mean subtraction) and 100 calibration images",
                "ptq quantize squeezenet.onnx --data images/ --calib-size 100 --resize-short 256 --crop 224,224 --color BGR --mean 104,117,123 -o sq.int8.onnx"),
            new("4-bit weights with float compute: no data needed", "ptq quantize model.onnx --mode weight-only --weight-bits 4 --weight-method mse -o model.w4.onnx"),
            new("A recipe file, with a flag on top", "ptq quantize model.onnx --recipe recipe.yaml --data images/ --method kl -o model.int8.onnx"));
    }
}
