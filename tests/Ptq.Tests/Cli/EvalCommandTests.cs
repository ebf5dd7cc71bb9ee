using System.Text.Json;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Cli;

/// <summary><c>ptq eval</c> in-process on the real models and data.</summary>
public sealed class EvalCommandTests
{
    [Fact]
    public void SqueezeNetOnImageNetSubsetScoresTheKnownAccuracy()
    {
        string command = $"ptq eval {Quote(Assets.Model("squeezenet1.1.onnx"))} --data {Quote(Assets.Get("imagenet", "images"))} " +
            $"--resize-short 256 --crop 224,224 --color BGR --mean 104,117,123 --labels prefix:{Quote(Assets.Get("labels", "imagenet_wnids.txt"))} --runs 0 --threads 2";

        var json = Run(command + " --json");

        Assert.True(json.ExitCode == 0, json.Error);
        using var doc = JsonDocument.Parse(json.Out);
        var accuracy = doc.RootElement.GetProperty("accuracy");
        Assert.Equal(500, accuracy.GetProperty("labelled").GetInt32());
        Assert.Equal(300, accuracy.GetProperty("top1Correct").GetInt32());
        Assert.Equal(410, accuracy.GetProperty("top5Correct").GetInt32());
        Assert.Equal(60.0, accuracy.GetProperty("top1Percent").GetDouble(), 9);
        Assert.Equal(82.0, accuracy.GetProperty("top5Percent").GetDouble(), 9);

        var text = Run(command + " --limit 20");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("Accuracy", text.Out, StringComparison.Ordinal);
        Assert.Contains("squeezenet1.1.onnx", text.Out, StringComparison.Ordinal);
        Assert.Contains("70.00 % (14)", text.Out, StringComparison.Ordinal); // top-1 of the first 20 images
        Assert.Contains("90.00 % (18)", text.Out, StringComparison.Ordinal); // top-5
    }

    [Fact]
    public void MnistCnnOnTheTestSetScores9891()
    {
        var result = Run($"ptq eval {Quote(Assets.Model("mnist-cnn.onnx"))} --data {Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"))} " +
            $"--labels {Quote(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"))} --runs 0 --threads 2 --json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var accuracy = doc.RootElement.GetProperty("accuracy");
        Assert.Equal(10000, accuracy.GetProperty("labelled").GetInt32());
        Assert.Equal(9891, accuracy.GetProperty("top1Correct").GetInt32());
    }

    [Fact]
    public void ReferenceComparisonOfAModelWithItselfWritesInfinityAsAString()
    {
        string model = Quote(Assets.Model("mnist-cnn.onnx"));
        var result = Run($"ptq eval {model} --ref {model} --data {Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"))} --limit 5 --runs 2 --threads 1 --json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var comparison = doc.RootElement.GetProperty("comparison");
        Assert.Equal("Infinity", comparison.GetProperty("sqnrDb").GetString());
        Assert.Equal(1.0, comparison.GetProperty("meanCosine").GetDouble());
        Assert.Equal(100.0, comparison.GetProperty("agreementPercent").GetDouble());
        Assert.Equal(1, doc.RootElement.GetProperty("latency").GetArrayLength());
    }

    [Fact]
    public void MissingDataPathExitsWith2NamingIt()
    {
        var result = Run($"ptq eval {Quote(Assets.Model("mnist-cnn.onnx"))} --data /nonexistent/mnist-images --runs 0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/mnist-images", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownLabelFileExitsWith2NamingIt()
    {
        var result = Run($"ptq eval {Quote(Assets.Model("mnist-cnn.onnx"))} --data {Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"))} --labels /nonexistent/labels.txt --runs 0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/labels.txt", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void BadNumbersExitWith2NamingTheFlag()
    {
        string prefix = $"ptq eval {Quote(Assets.Model("mnist-cnn.onnx"))} --data {Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"))}";
        foreach (var (flags, name) in new[] { ("--runs -1", "--runs"), ("--limit 0", "--limit"), ("--batch-sizes 0", "--batch-sizes"), ("--log-level loud", "--log-level") })
        {
            var result = Run($"{prefix} {flags}");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(name, result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CharGptPerplexityFromTheTestTextAndFromCalibrationWindows()
    {
        string model = Quote(Assets.Model("char-gpt.onnx"));
        var text = Run($"ptq eval {model} --data {Quote(Assets.Get("text", "char-gpt.test.txt"))} --vocab {Quote(Assets.Model("char-gpt.vocab.json"))} --limit 64 --runs 0 --threads 1 --json");

        Assert.True(text.ExitCode == 0, text.Error);
        using (var doc = JsonDocument.Parse(text.Out))
        {
            var perplexity = doc.RootElement.GetProperty("perplexity");
            Assert.Equal(8192, perplexity.GetProperty("tokens").GetInt32());
            Assert.InRange(perplexity.GetProperty("perplexity").GetDouble(), 3.205, 3.215);
        }

        // .npy windows of token ids have no token after them: 127 targets each.
        var windows = Run($"ptq eval {model} --data {Quote(Assets.Get("text", "char-gpt-calib"))} --labels next-token --limit 4 --runs 0 --threads 1");
        Assert.True(windows.ExitCode == 0, windows.Error);
        Assert.Contains("Perplexity on next tokens of input 'ids'", windows.Out, StringComparison.Ordinal);
        Assert.Contains("508", windows.Out, StringComparison.Ordinal);

        var both = Run($"ptq eval {model} --data {Quote(Assets.Get("text", "char-gpt.test.txt"))} --vocab {Quote(Assets.Model("char-gpt.vocab.json"))} --labels next-token --runs 0");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("drop --labels", both.Error, StringComparison.Ordinal);
    }
}
