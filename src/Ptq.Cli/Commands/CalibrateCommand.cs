using System.CommandLine;
using Ptq.Calibration;
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
        var calibSize = new Option<int?>("--calib-size") { HelpName = "N", Description = "Use the first N samples (after sorting by file name)." };
        var method = new Option<string?>("--method") { HelpName = "M", Description = "Collect only what this range method needs (default: everything)." };
        var shard = new Option<string?>("--shard") { HelpName = "K/N", Description = "Calibrate only every N-th sample starting at the K-th; merge shards with 'ptq stats merge'." };
        var foldBn = new Option<bool?>("--fold-bn") { HelpName = "true|false", Description = "Fold BatchNormalization first, as quantize will (default true)." };
        var data = new DataOptions();
        var command = new Command("calibrate", "Collect activation statistics (mergeable across shards) for later quantization.") { model, output, calibSize, method, shard, foldBn };
        data.AddTo(command, dataRequired: true);
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            int? limit = parseResult.GetValue(calibSize);
            if (limit is <= 0)
                throw new PtqException($"--calib-size {limit}: give a positive number of samples");
            var rangeMethod = parseResult.GetValue(method) is { } m ? RecipeNames.ParseMethod(m, "--method") : (CalibrationMethod?)null;
            var slice = parseResult.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All;
            using var loaded = externalData.Load(parseResult, parseResult.GetRequiredValue(model));
            var source = CalibrationSources.Create(ModelInputs.Of(loaded), data.Specs(parseResult), data.ToSourceOptions(parseResult, limit));
            var stats = CalibrationProgressView.Run(console, "calibrating", slice.CountOf(source.Count), progress =>
                Calibrator.Calibrate(loaded, source, rangeMethod, parseResult.GetValue(foldBn) ?? true, slice, progress, cancellationToken));
            string path = parseResult.GetRequiredValue(output);
            stats.Save(path);
            if (source.SkippedFiles > 0)
                console.Error.WriteLine($"ptq: warning: skipped {source.SkippedFiles} unreadable files (--skip-corrupt)");
            console.Out.WriteLine($"wrote statistics of {stats.Tensors.Count} tensors over {stats.Samples} samples to {path}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
