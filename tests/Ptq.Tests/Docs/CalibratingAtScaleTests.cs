using System.Diagnostics;
using Ptq.Calibration;
using Ptq.Demo;
using Ptq.Onnx;
using Ptq.Tests.Cli;
using Ptq.Tests.Data;
using Ptq.Tests.Hostile;

namespace Ptq.Tests.Docs;

/// <summary>
/// The scripts of docs/calibrating-at-scale.md: four shards run as parallel processes by docs/examples/calibrate-local.sh
/// (which the Kubernetes and Slurm examples wrap) and merged by merge-shards.sh give the statistics of one pass.
/// </summary>
public sealed class CalibratingAtScaleTests
{
    private const int Samples = 18;

    [Fact]
    public void Four_parallel_shards_merged_equal_one_pass()
    {
        using var temp = new TempDirectory();
        string model = temp.File("model.onnx");
        ModelIO.Save(DemoModel.Build(), model);
        string data = temp.File("samples");
        Directory.CreateDirectory(data);
        foreach (var (sample, i) in DemoData.Samples(Samples).Select((s, i) => (s, i)))
            File.WriteAllBytes(Path.Combine(data, $"{i:D2}.npy"), NpyWriter.Bytes("<f4", [1, 3, 32, 32], NpyWriter.Floats(sample[DemoModel.InputName].ToFloatArray())));

        var (exitCode, error) = RunScript("calibrate-local.sh", ["4", temp.File("merged.json")], new()
        {
            ["MODEL"] = model, ["DATA"] = data, ["STATS_DIR"] = temp.File("shards"),
            ["PTQ"] = $"dotnet exec {HostileRun.CliDll}", ["PTQ_OPTIONS"] = "--method kl",
        });
        var whole = CliRun.Run($"ptq calibrate {CliRun.Quote(model)} --data {CliRun.Quote(data)} --method kl -o {CliRun.Quote(temp.File("whole.json"))}");

        Assert.True(exitCode == 0, error);
        Assert.Equal(0, whole.ExitCode);
        var shards = Enumerable.Range(1, 4).Select(k => StatsFile.Load(temp.File(Path.Combine("shards", $"stats.{k}.json")))).ToList();
        Assert.Equal([5, 5, 4, 4], shards.Select(s => s.Samples));
        var merged = StatsFile.Load(temp.File("merged.json"));
        var single = StatsFile.Load(temp.File("whole.json"));
        Assert.Equal(Samples, single.Samples);
        Assert.Equal(single.Samples, merged.Samples);
        Assert.Equal(single.Tensors.Keys.Order(), merged.Tensors.Keys.Order());
        foreach (var (name, stats) in single.Tensors)
        {
            var other = merged.Tensors[name];
            Assert.Equal(stats.Min, other.Min);
            Assert.Equal(stats.Max, other.Max);
            Assert.Equal(stats.Count, other.Count);
            Assert.Equal(stats.Histogram!.Counts, other.Histogram!.Counts);
        }
    }

    [Fact]
    public void A_missing_shard_is_refused_before_merging()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("shards"));
        File.WriteAllText(temp.File(Path.Combine("shards", "stats.1.json")), "{}");

        var (exitCode, error) = RunScript("merge-shards.sh", ["2", temp.File("merged.json")], new() { ["STATS_DIR"] = temp.File("shards"), ["PTQ"] = "false" });

        Assert.Equal(2, exitCode);
        Assert.Contains("shard 2/2 is missing", error);
        Assert.False(File.Exists(temp.File("merged.json")));
    }

    [Fact]
    public void The_cluster_examples_run_the_same_shard_script_over_four_shards()
    {
        string examples = Path.Combine(DocsTests.Root(), "docs", "examples");
        string kubernetes = File.ReadAllText(Path.Combine(examples, "kubernetes", "calibrate-job.yaml"));
        string slurm = File.ReadAllText(Path.Combine(examples, "slurm", "calibrate-array.sbatch"));

        Assert.Contains("completionMode: Indexed\n  completions: 4\n  parallelism: 4\n", kubernetes.Replace("\r\n", "\n"));
        Assert.Contains("calibrate-shard.sh $$((JOB_COMPLETION_INDEX + 1)) 4", kubernetes);
        Assert.Contains("merge-shards.sh\", \"4\"", File.ReadAllText(Path.Combine(examples, "kubernetes", "merge-job.yaml")));
        Assert.Contains("#SBATCH --array=1-4", slurm);
        Assert.Contains("calibrate-shard.sh\" \"$SLURM_ARRAY_TASK_ID\" \"$SLURM_ARRAY_TASK_COUNT\"", slurm);
        Assert.Contains("merge-shards.sh' 4", File.ReadAllText(Path.Combine(examples, "slurm", "submit.sh")));
    }

    private static (int ExitCode, string Error) RunScript(string script, string[] args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(DocsTests.Root(), "docs", "examples", script));
        foreach (string arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.Environment["DOTNET_gcServer"] = "0";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error + output.Result);
    }
}
