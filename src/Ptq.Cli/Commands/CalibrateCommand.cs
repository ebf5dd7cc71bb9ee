using System.CommandLine;
using Ptq.Calibration;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Recipes;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq calibrate MODEL --data SPEC... [PREPROCESSING] [--calib-size N] [--method M] [--shard K/N] -o STATS.json</c>:
/// maps onto <see cref="CalibrationJob.Run"/>. Without --method every statistic is collected, so any method can be
/// chosen at quantize time; with it, only what that method needs.
/// </summary>
internal static class CalibrateCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("MODEL") { Description = "The float ONNX model." };
        var output = OutputOption.Create("STATS.json", "Where to write the statistics (JSON).");
        var shard = new Option<string?>("--shard") { HelpName = "K/N", Description = "Calibrate only every N-th sample starting at the K-th; merge shards with 'ptq stats merge'." }
            .In(HelpSection.Input);
        var flags = new RecipeFlags(RecipeOptions.All.Where(o => o.ReadsSamples || o == RecipeOptions.CalibSize || o == RecipeOptions.FoldBn || o == RecipeOptions.Method));
        // Without --method every statistic is collected (the default is no method), so the table's sentence does not fit here.
        flags[RecipeOptions.Method].Description = "Collect only what this range method needs (default: everything, so quantize may choose any method).";
        flags[RecipeOptions.Data].Required = true;
        var command = new Command("calibrate", "Collect activation statistics (mergeable across shards) for later quantization.") { model, output, shard };
        flags.AddTo(command);
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var recipe = flags.ApplyTo(parseResult, QuantizationRecipe.Default).Validate();
            var rangeMethod = flags.Given(parseResult, RecipeOptions.Method) ? recipe.Method : (CalibrationMethod?)null;
            var slice = parseResult.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All;
            using var loaded = externalData.Load(parseResult, parseResult.GetRequiredValue(model));
            var source = CalibrationSources.Create(ModelInputs.Of(loaded), recipe.Data, recipe.ToSourceOptions());
            var stats = CalibrationProgressView.Run(console, "calibrating", slice.CountOf(source.Count), progress =>
                Calibrator.Calibrate(loaded, source, rangeMethod, recipe.FoldBn, slice, progress, cancellationToken));
            string path = parseResult.GetRequiredValue(output);
            stats.Save(path);
            if (source.SkippedFiles > 0)
                console.Error.WriteLine($"ptq: warning: skipped {source.SkippedFiles} unreadable files (--skip-corrupt)");
            console.Out.WriteLine($"wrote statistics of {stats.Tensors.Count} tensors over {stats.Samples} samples to {path}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command.WithExamples(
            new("Statistics of every tensor, so quantize may choose any --method later",
                "ptq calibrate model.onnx --data images/ --resize-short 256 --crop 224,224 -o stats.json"),
            new("Shard 2 of 4: run the four anywhere, then 'ptq stats merge' them", "ptq calibrate model.onnx --data images/ --shard 2/4 -o stats.2.json"),
            new("Only what KL ranges need, from the first 500 images", "ptq calibrate model.onnx --data images/ --calib-size 500 --method kl -o stats.json"));
    }
}
