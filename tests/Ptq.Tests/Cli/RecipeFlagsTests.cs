using System.CommandLine;
using System.Text.Json;
using Ptq.Cli.Options;
using Ptq.Recipes;

namespace Ptq.Tests.Cli;

/// <summary>The flags generated from the option table read every value exactly as the recipe key does.</summary>
public sealed class RecipeFlagsTests
{
    // A value other than the default for every option that has a flag (a new option needs one here).
    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["data"] = ["images", "x:more"], ["stats"] = ["s.json"], ["calib-size"] = ["7"], ["recursive"] = ["true"],
        ["skip-corrupt"] = ["true"], ["max-image-pixels"] = ["1000"], ["resize"] = ["32,24"], ["resize-short"] = ["40"],
        ["resize-method"] = ["cubic"], ["crop"] = ["16"], ["color"] = ["bgr"], ["mean"] = ["1,2,3"], ["std"] = ["4,5,6"],
        ["scale"] = ["0.5"], ["multiply"] = ["0.017"], ["layout"] = ["NHWC"], ["mode"] = ["weight-only"], ["act-bits"] = ["mixed"],
        ["weight-bits"] = ["4"], ["act-mode"] = ["sym"], ["weight-mode"] = ["asym_s"], ["granularity"] = ["per-tensor"],
        ["method"] = ["kl"], ["percentile"] = ["99.5"], ["lapq-iterations"] = ["3"], ["lapq-max-evals"] = ["400"], ["lapq-samples"] = ["8"], ["lapq-init-p"] = ["2.5"], ["lapq-kl"] = ["true"], ["scale-approx-bits"] = ["16"], ["scale-approx-bake"] = ["true"],
        ["weight-method"] = ["adaround"], ["recon-samples"] = ["32"],
        ["adaround-iterations"] = ["200"], ["edge-weight-bits"] = ["8"], ["act-order"] = ["true"], ["block-size"] = ["64"], ["accuracy-level"] = ["0"], ["embedding-bits"] = ["4"], ["smooth-quant"] = ["auto"], ["bias-correction"] = ["false"],
        ["cle"] = ["true"], ["fold-bn"] = ["false"], ["clip"] = ["6.5"], ["clip-table"] = ["clip.json"], ["skip"] = ["conv1", "fc.*"],
        ["skip-op"] = ["Add"], ["reduce-range"] = ["true"], ["target-cosine"] = ["0.98"], ["accuracy-guard"] = ["off"], ["max-drop"] = ["0.5"],
        ["only"] = ["conv.*"], ["only-op"] = ["Conv", "MatMul"], ["histogram-bins"] = ["2048"], ["ema-constant"] = ["0.01"], ["min-real-range"] = ["0.001"],
        ["weight-qdq-pair"] = ["true"], ["dedicated-qdq-pair"] = ["true"], ["quantize-bias"] = ["false"], ["quantize-weights"] = ["false"],
        ["tensor-overrides"] = ["overrides.json"], ["format"] = ["qoperator"], ["debug-dir"] = ["debug_info"], ["per-channel-acts"] = ["true"], ["float-ops-fp16"] = ["true"], ["float-weights-fp16"] = ["true"],
    };

    public static TheoryData<string> Flagged => [.. RecipeOptions.All.Where(o => o.HasFlag).Select(o => o.Key)];

    [Theory]
    [MemberData(nameof(Flagged))]
    public void A_flag_sets_what_its_recipe_key_sets(string key)
    {
        var option = RecipeOptions.Find(key)!;
        Assert.True(Samples.TryGetValue(key, out var values), $"no sample value for --{key}");
        // Scale and std exclude each other; give std's partner a rest.
        string json = JsonSerializer.Serialize(new Dictionary<string, object> { [key] = option.Shape == OptionShape.List ? values : values[0] });

        var fromRecipe = RecipeJsonReader.Parse(json, "r.json");
        var fromFlags = Parse([option.Flag!, .. values]);

        Assert.Equal(fromRecipe, fromFlags);
        Assert.NotEqual(option.Format(QuantizationRecipe.Default), option.Format(fromFlags));
    }

    [Fact]
    public void A_switch_alone_means_true_and_takes_an_explicit_value()
    {
        Assert.True(Parse(["--cle"]).Cle);
        Assert.False(Parse(["--fold-bn", "false"]).FoldBn);
        Assert.True(Parse(["--fold-bn"]).FoldBn);
    }

    [Fact]
    public void Flags_given_replace_the_baseline_and_others_keep_it()
    {
        var baseline = QuantizationRecipe.Default with { Skip = ["a"], Method = Ptq.Calibration.CalibrationMethod.Kl };

        var recipe = Parse(["--skip", "b", "c"], baseline);

        Assert.Equal(["b", "c"], recipe.Skip);
        Assert.Equal(Ptq.Calibration.CalibrationMethod.Kl, recipe.Method);
    }

    private static QuantizationRecipe Parse(string[] args, QuantizationRecipe? baseline = null)
    {
        var flags = new RecipeFlags(RecipeOptions.All);
        var command = new RootCommand();
        flags.AddTo(command);
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return flags.ApplyTo(result, baseline ?? QuantizationRecipe.Default);
    }
}
