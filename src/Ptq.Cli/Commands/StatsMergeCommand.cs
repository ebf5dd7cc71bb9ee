using System.CommandLine;
using Ptq.Calibration;
using Ptq.Cli.Help;
using Ptq.Cli.Options;

namespace Ptq.Cli.Commands;

/// <summary><c>ptq stats merge A.json B.json... -o ALL.json</c>: maps onto <see cref="StatsFile.Merge"/>.</summary>
internal static class StatsMergeCommand
{
    private static readonly HelpExample[] Examples =
    [
        new("Merge the statistics of four calibration shards", "ptq stats merge stats.1.json stats.2.json stats.3.json stats.4.json -o stats.json"),
        new("Quantize from the merged statistics, checking the result on a few samples", "ptq quantize model.onnx --stats stats.json --data check/ -o model.int8.onnx"),
    ];

    /// <summary>Builds <c>stats</c> with its <c>merge</c> subcommand.</summary>
    public static Command Create(CliConsole console)
    {
        var inputs = new Argument<string[]>("STATS") { Description = "Statistics files from 'ptq calibrate' shards (two or more).", Arity = new ArgumentArity(2, 100_000) };
        var output = OutputOption.Create("ALL.json", "Where to write the merged statistics.");
        var merge = new Command("merge", "Merge statistics of calibration shards into one file (equal to one pass over all samples).") { inputs, output };
        merge.SetAction((parseResult, cancellationToken) =>
        {
            var files = parseResult.GetRequiredValue(inputs);
            var merged = StatsFile.Load(files[0]);
            foreach (string file in files.Skip(1))
            {
                cancellationToken.ThrowIfCancellationRequested();
                merged = StatsFile.Merge(merged, StatsFile.Load(file));
            }
            string path = parseResult.GetRequiredValue(output);
            merged.Save(path);
            console.Out.WriteLine($"merged {files.Length} files: {merged.Tensors.Count} tensors over {merged.Samples} samples -> {path}");
            return Task.FromResult(ExitCodes.Ok);
        });
        merge.WithExamples(
            Examples[0],
            new("Merge two statistics files collected from different data", "ptq stats merge cats.json dogs.json -o pets.json"));
        return new Command("stats", "Work with statistics files.") { merge }.WithExamples(Examples);
    }
}
