using Ptq.Calibration;
using Ptq.Data;
using Ptq.Quantization;
using Ptq.Recipes;

namespace Ptq.Tests.Cli;

/// <summary><c>ptq recipe show</c> and the quantize flag group: flags over a recipe, golden output, round trip, exit codes.</summary>
public sealed class RecipeShowTests
{
    [Fact]
    public void Flags_override_the_recipe_file()
    {
        using var temp = new TempDirectory();
        string path = temp.File("r.yaml");
        File.WriteAllText(path, "method: kl\nact-bits: 6\nskip: [conv1]\nmean: [1, 2, 3]\nstd: [4]\nfold-bn: false\n");

        var result = CliRun.Run($"ptq recipe show --recipe {CliRun.Quote(path)} --method mse --skip fc --scale 0.5 --fold-bn true");

        Assert.Equal(0, result.ExitCode);
        var recipe = RecipeYamlReader.Parse(result.Out);
        Assert.Equal(CalibrationMethod.Mse, recipe.Method);
        Assert.Equal(6, recipe.ActBits);
        Assert.Equal(["fc"], recipe.Skip);
        Assert.True(recipe.FoldBn);
        Assert.Equal([1f, 2f, 3f], recipe.Preprocessing.Mean);
        Assert.Null(recipe.Preprocessing.Std);
        Assert.Equal([0.5f], recipe.Preprocessing.Scale);
    }

    [Fact]
    public void Act_bits_mixed_shows_as_mixed_and_is_supported()
    {
        using var temp = new TempDirectory();
        string path = temp.File("r.yaml");
        File.WriteAllText(path, "act-bits: mixed\n");

        var fromFile = CliRun.Run($"ptq recipe show --recipe {CliRun.Quote(path)} --target-cosine 0.998");
        var fromFlags = CliRun.Run("ptq recipe show --act-bits mixed --target-cosine 0.998");

        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(fromFile.Out, fromFlags.Out);
        Assert.Contains("act-bits: mixed\n", fromFlags.Out);
        Assert.Contains("target-cosine: 0.998\n", fromFlags.Out);
        Assert.DoesNotContain("not implemented", fromFlags.Out);
        Assert.True(RecipeYamlReader.Parse(fromFlags.Out).IsMixedActBits);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("--weight-bits 4", true)]
    [InlineData("--accuracy-guard off", false)]
    [InlineData("--mode dynamic", false)]
    public void The_default_accuracy_guard_is_a_comment_where_it_applies(string flags, bool shown)
    {
        var result = CliRun.Run($"ptq recipe show {flags}");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(shown, result.Out.Contains("# accuracy guard on by default: output cosine 0.995 on calibration samples from --data ('accuracy-guard: off' turns it off)\n", StringComparison.Ordinal));
        Assert.Equal(flags.Contains("off", StringComparison.Ordinal), result.Out.Contains("accuracy-guard: off\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Show_output_matches_golden_text()
    {
        var result = CliRun.Run("ptq recipe show --act-bits 8 --weight-bits 4 --method percentile --percentile 99.9 --cle --skip conv1 \"fc.*\" --skip-op Add --resize-short 256 --crop 224,224 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        GoldenText.Approve("recipe-show.txt", result.Out);
    }

    [Fact]
    public void Show_then_load_gives_an_equal_recipe()
    {
        using var temp = new TempDirectory();
        string cfg = temp.File("m.cfg");
        File.WriteAllText(cfg, "[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n[full_quant_param]\nactivation_quant_method=KL\nper_channel=false\n[data_preprocess_param]\ncalibrate_path=x:/data\ncalibrate_size=50\nimage_to_format=GRAY\nnormalize_mean=[127.5]\nnormalize_std=[127.5]\n");
        string args = $"--recipe {CliRun.Quote(cfg)} --weight-mode asym_u --reduce-range --clip 6 --target-cosine 0.99 --cle --weight-method adaround --adaround-iterations 300 --max-drop 0.5 --bias-correction false";

        var shown = CliRun.Run($"ptq recipe show {args}");
        File.WriteAllText(temp.File("shown.yaml"), shown.Out);
        var loaded = RecipeFile.Load(temp.File("shown.yaml"));

        Assert.Equal(0, shown.ExitCode);
        Assert.Equal(RecipeFile.Load(cfg) with { WeightMode = Ptq.Quantization.QuantMode.AsymmetricUnsigned, ReduceRange = true, Clip = 6, TargetCosine = 0.99, Cle = true, WeightMethod = WeightMethod.AdaRound, AdaroundIterations = 300, MaxDrop = 0.5, BiasCorrection = false }, loaded);
        Assert.Equal(ColorMode.Gray, loaded.Preprocessing.Color);
        Assert.Contains("# not implemented yet, 'ptq quantize' refuses: --max-drop 0.5", shown.Out);
    }

    [Fact]
    public void Mindspore_warnings_go_to_standard_error()
    {
        using var temp = new TempDirectory();
        string cfg = temp.File("m.cfg");
        File.WriteAllText(cfg, "[common_quant_param]\nquant_type=FULL_QUANT\nmin_quant_weight_size=10\ndebug_info_save_path=/tmp/d\n");

        var result = CliRun.Run($"ptq recipe show --recipe {CliRun.Quote(cfg)}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ptq: warning: ", result.Error);
        Assert.Contains("min_quant_weight_size not applied under quant_type=FULL_QUANT", result.Error);
        Assert.Contains("debug-dir: \"/tmp/d\"", result.Out); // applied, not warned about
    }

    [Theory]
    [InlineData("act-bits: 17\n", "--act-bits 17: 17 bits are not supported; use 2 to 16")]
    [InlineData("act-bit: 8\n", "line 1: act-bit: unknown key")]
    [InlineData("mode: weight-only\nact-bits: 8\n", "--act-bits 8 with --mode weight-only")]
    public void Bad_recipe_file_exits_2_naming_the_culprit(string yaml, string message)
    {
        using var temp = new TempDirectory();
        string path = temp.File("bad.yaml");
        File.WriteAllText(path, yaml);

        var result = CliRun.Run($"ptq recipe show --recipe {CliRun.Quote(path)}");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("ptq: error: ", result.Error);
        Assert.Contains(message, result.Error);
        Assert.Equal("", result.Out);
    }

    [Theory]
    [InlineData("--act-bits 1", "--act-bits 1: 1 bits are not supported; use 2 to 16")]
    [InlineData("--method entropy", "--method 'entropy': expected one of minmax|avg|ema|percentile|kl|mse|aciq-gauss|aciq-laplace|nstd")]
    [InlineData("--percentile 101", "--percentile 101: must be in (50, 100]")]
    [InlineData("--clip 0", "--clip 0: must be a positive")]
    [InlineData("--stats s.json --calib-size 10", "--calib-size 10 with --stats")]
    [InlineData("--mode weight-only --act-bits 4", "--act-bits 4 with --mode weight-only")]
    [InlineData("--act-bits mixed --mode fp16", "--act-bits mixed with --mode fp16")]
    [InlineData("--act-bits mixed --weight-bits mixed", "--act-bits mixed with --weight-bits mixed")]
    [InlineData("--act-bits eight", "--act-bits 'eight': expected a bit width (2 to 16) or 'mixed'.")]
    [InlineData("--recipe missing.yaml", "--recipe missing.yaml: cannot be read")]
    public void Bad_flags_exit_2_naming_the_option(string flags, string message)
    {
        var result = CliRun.Run($"ptq recipe show {flags}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public void Recipe_show_help_matches_golden_text()
    {
        var result = CliRun.Run("ptq recipe show --help");

        Assert.Equal(0, result.ExitCode);
        GoldenText.Approve("recipe-show-help.txt", result.Out);
    }
}
