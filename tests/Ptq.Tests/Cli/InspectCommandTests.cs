using System.Text.Json;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Cli;

public sealed class InspectCommandTests
{
    [Fact]
    public void Inspect_prints_tables_without_ansi_codes()
    {
        var result = Run($"ptq inspect {Quote(Assets.Model("squeezenet1.1.onnx"))}");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Contains("Conv", result.Out);
        Assert.Contains("1,235,496", result.Out);
        Assert.Contains("ai.onnx 7", result.Out);
        Assert.Contains("warning: default-domain opset is 7", result.Out);
        Assert.DoesNotContain("\u001b[", result.Out);
        Assert.All(result.Out.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 120, $"line longer than 120: '{line}'"));
    }

    [Fact]
    public void Inspect_json_reports_the_62_convs_of_ppocrv4_det()
    {
        var result = Run($"ptq inspect {Quote(Assets.Model("ppocrv4-det.onnx"))} --json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        var conv = root.GetProperty("operators").EnumerateArray().Single(o => o.GetProperty("opType").GetString() == "Conv");
        Assert.Equal(62, conv.GetProperty("total").GetInt32());
        Assert.Equal(62, conv.GetProperty("mainGraph").GetInt32());
        Assert.True(conv.GetProperty("quantizable").GetBoolean());
        Assert.Equal(11, root.GetProperty("opsetImports").GetProperty("ai.onnx").GetInt64());
        Assert.Equal(1_171_841, root.GetProperty("constantWeights").GetProperty("elements").GetInt64());
        Assert.Equal(1_171_841, root.GetProperty("parameterCount").GetInt64());
        var kinds = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["oldOpset", "constantWeights"], kinds);
    }

    [Fact]
    public void Missing_file_exits_2_naming_the_file()
    {
        using var temp = new TempDirectory();
        string path = temp.File("no-such-model.onnx");

        var result = Run($"ptq inspect {Quote(path)}");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("ptq: error: ", result.Error);
        Assert.Contains(path, result.Error);
        Assert.DoesNotContain("   at ", result.Error); // no stack trace
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void Non_onnx_file_exits_2()
    {
        using var temp = new TempDirectory();
        string path = temp.File("notes.onnx");
        File.WriteAllText(path, "this is not a protobuf model\n");

        var result = Run($"ptq inspect {Quote(path)}");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("ptq: error: ", result.Error);
        Assert.Contains("notes.onnx", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void Unknown_option_exits_2_with_a_usage_hint()
    {
        var result = Run($"ptq inspect {Quote(Assets.Model("mnist-cnn.onnx"))} --no-such-option");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ptq: error: ", result.Error);
        Assert.Contains("--no-such-option", result.Error);
        Assert.Contains("ptq inspect --help", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void Missing_model_argument_exits_2()
    {
        var result = Run("ptq inspect");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("ptq: error: ", result.Error);
    }
}
