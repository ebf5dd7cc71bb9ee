using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Onnx;
using Ptq.Recipes;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq bolt</c>, <c>ptq tnn</c>, <c>ptq distiller</c>, <c>ptq mindspore</c>: a seed tool's flags, spelled as its
/// documentation spells them, mapped onto a <see cref="SeedToolFrontEnd"/>. Prints the equivalent <c>ptq quantize</c>
/// command and the recipe, then runs it as <c>ptq quantize</c> does (<see cref="QuantizeRun"/>). Flags the front end
/// refuses still parse (so the refusal can say why) but are hidden from help (<see cref="SeedToolOptions"/>).
/// </summary>
internal static class SeedToolCommand
{
    private static readonly Dictionary<string, HelpExample[]> Examples = new(StringComparer.Ordinal)
    {
        ["bolt"] =
        [
            new("Bolt's default: dynamic int8 quantization, written as model_int8_q.onnx beside the model", "ptq bolt -p model.onnx"),
            new("Offline KL calibration on BGR images scaled by 0.017", "ptq bolt -p model.onnx -i INT8_FP32 -o true -d calibration/ -f BGR -m 0.017"),
            new("Float compute, int8 weight storage", "ptq bolt -p model.onnx -i FP32 -q INT8"),
        ],
        ["tnn"] =
        [
            new("TNN's defaults (min-max, per-channel, RGB) on a folder of images", "ptq tnn -p model.onnx -i images/"),
            new("KL activations, ADMM weights, mix granularity, Caffe-style BGR mean", "ptq tnn -p model.onnx -i images/ -b 2 -w 1 -t 1 -n 104,117,123 -r 1 -o model_quantized"),
        ],
        ["distiller"] =
        [
            new("Asymmetric per-channel weights, average clipping except the last layer", "ptq distiller model.onnx images/ --quantize-eval --qe-mode asym_u --qe-per-channel --qe-clip-acts avg --qe-no-clip-layers fc"),
            new("Ranges from Distiller's stats file", "ptq distiller model.onnx images/ --quantize-eval --qe-stats-file acts_quantization_stats.yaml"),
        ],
        ["mindspore"] =
        [
            new("Full quantization as a MindSpore Lite config says, written as model_quant.onnx", "ptq mindspore --fmk=ONNX --modelFile=model.onnx --outputFile=model_quant --configFile=full_quant.cfg"),
            new("Weight-only quantization (quant_type=WEIGHT_QUANT): no calibration data needed", "ptq mindspore --modelFile=model.onnx --outputFile=model_w8 --configFile=fixed_bit_weight_quant.cfg"),
        ],
    };

    /// <summary>Builds the command of <paramref name="frontEnd"/> writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console, SeedToolFrontEnd frontEnd)
    {
        var command = new Command(frontEnd.Command, frontEnd.Description + " Prints the equivalent 'ptq quantize' command and recipe, then runs it.");
        var options = new SeedToolOptions(frontEnd);
        options.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var translation = options.Translate(parseResult);
            foreach (string note in translation.Notes)
                console.Error.WriteLine($"ptq: warning: {note}");
            console.Out.WriteLine($"equivalent: {translation.QuantizeCommand}");
            console.Out.WriteLine(translation.RecipeFile is { } file ? $"recipe ({file} above):" : "recipe:");
            foreach (string line in RecipeYamlWriter.Write(translation.Recipe).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                console.Out.WriteLine("  " + line);

            if (Path.GetDirectoryName(Path.GetFullPath(translation.Output)) is { } outputFolder)
                Directory.CreateDirectory(outputFolder);
            Ptq.IO.AtomicFile.CheckWritable(translation.Output);
            using var model = ModelIO.Load(translation.Model);
            Action<string> info = message => console.Error.WriteLine($"ptq: {message}");
            Action<string> debug = translation.Verbose ? info : _ => { };
            return Task.FromResult(QuantizeRun.Execute(console, model, translation.Recipe, translation.Output, info, debug, cancellationToken));
        });
        return command.WithExamples(Examples[frontEnd.Command]);
    }
}
