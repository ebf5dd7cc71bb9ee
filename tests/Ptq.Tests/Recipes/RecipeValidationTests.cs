using Ptq.Calibration;
using Ptq.Quantization;
using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

public sealed class RecipeValidationTests
{
    [Fact]
    public void Defaults_map_onto_the_pipeline_defaults()
    {
        var recipe = QuantizationRecipe.Default.Validate();

        var settings = recipe.ToStaticSettings();
        var calibration = recipe.ToCalibrationSettings();

        Assert.Empty(recipe.UnsupportedFeatures());
        Assert.Equal(new QuantScheme(8, QuantMode.AsymmetricUnsigned), settings.Activations);
        Assert.Equal(new QuantScheme(8, QuantMode.Symmetric, NarrowRange: true), settings.Weights);
        Assert.True(settings.PerChannelWeights);
        Assert.True(settings.FoldBatchNorm);
        Assert.Equal(CalibrationMethod.Mse, calibration.Method);
        Assert.Equal(99.99, calibration.Estimator.Percentile);
    }

    [Fact]
    public void Settings_follow_the_recipe()
    {
        var recipe = new QuantizationRecipe
        {
            ActBits = 16, WeightBits = 16, ActMode = QuantMode.Symmetric, WeightMode = QuantMode.AsymmetricSigned,
            Granularity = Granularity.PerTensor, FoldBn = false, ReduceRange = true, Skip = ["conv1"], SkipOp = ["Add"],
            Method = CalibrationMethod.NStd, NStd = 2.5, CalibSize = 10,
        };

        var settings = recipe.ToStaticSettings();

        Assert.Equal(new QuantScheme(16, QuantMode.Symmetric), settings.Activations);
        Assert.Equal(new QuantScheme(16, QuantMode.AsymmetricSigned, ReduceRange: true), settings.Weights);
        Assert.False(settings.PerChannelWeights);
        Assert.False(settings.FoldBatchNorm);
        Assert.Equal(["conv1"], settings.SkipNodes);
        Assert.Equal(["Add"], settings.SkipOpTypes);
        Assert.Equal(2.5, recipe.ToCalibrationSettings().Estimator.NStd);
        Assert.Equal(10, recipe.ToSourceOptions().Limit);
    }

    public static TheoryData<QuantizationRecipe, string, string> Invalid => new()
    {
        { new() { ActBits = 17 }, "act-bits", "act-bits 17: 17 bits are not supported; use 2 to 16" },
        { new() { WeightBits = 1 }, "weight-bits", "use 2 to 16" },
        { new() { Mode = QuantizationMode.WeightOnly, ActBits = 8 }, "act-bits", "act-bits 8 with mode weight-only" },
        { new() { Mode = QuantizationMode.Fp16, WeightBits = 4 }, "weight-bits", "weight-bits 4 with mode fp16" },
        { new() { Mode = QuantizationMode.Dynamic, WeightBits = 12 }, "weight-bits", "weight-bits 12 with mode dynamic: MatMulInteger reads 8-bit weights" },
        { new() { Mode = QuantizationMode.Dynamic, ActBits = 4 }, "act-bits", "act-bits 4 with mode dynamic: DynamicQuantizeLinear quantizes activations to 8 bits" },
        { new() { Percentile = 40 }, "percentile", "percentile 40: must be in (50, 100]" },
        { new() { Percentile = 100.5 }, "percentile", "(50, 100]" },
        { new() { Clip = 0 }, "clip", "clip 0: must be a positive" },
        { new() { Clip = -1 }, "clip", "clip -1" },
        { new() { Stats = "s.json", CalibSize = 10 }, "calib-size", "calib-size 10 with stats" },
        { new() { TargetCosine = 1.5 }, "target-cosine", "(0, 1]" },
        { new() { MaxDrop = -1 }, "max-drop", "non-negative" },
        { new() { WeightMethod = WeightMethod.AdaRound, Mode = QuantizationMode.Dynamic, Data = ["d"] }, "weight-method", "weight-method adaround with mode dynamic" },
        { new() { WeightMethod = WeightMethod.Gptq, Stats = "s.json", Data = ["d"] }, "weight-method", "give data instead of stats" },
        { new() { ReconSamples = 16 }, "recon-samples", "recon-samples with weight-method minmax: only gptq and adaround" },
        { new() { WeightMethod = WeightMethod.Gptq, Data = ["d"], ReconSamples = 0 }, "recon-samples", "recon-samples 0: must be a positive" },
        { new() { WeightMethod = WeightMethod.Gptq, Data = ["d"], AdaroundIterations = 100 }, "adaround-iterations", "it steers adaround only" },
        { new() { WeightMethod = WeightMethod.AdaRound, Data = ["d"], ActOrder = true }, "act-order", "it steers gptq only" },
        { new() { WeightBits = 4, EdgeWeightBits = 1 }, "edge-weight-bits", "edge-weight-bits 1: 1 bits are not supported; use 2 to 16" },
        { new() { WeightBits = QuantizationRecipe.MixedBits, EdgeWeightBits = 8 }, "edge-weight-bits", "the mixed search chooses every layer's bits" },
        { new() { Mode = QuantizationMode.Fp16, EdgeWeightBits = 8 }, "edge-weight-bits", "fp16 stores weights as 16-bit floats" },
        { new() { Mode = QuantizationMode.Dynamic, WeightBits = 4, EdgeWeightBits = 16 }, "edge-weight-bits", "MatMulInteger reads 8-bit weights" },
        { new() { Mode = QuantizationMode.WeightOnly, WeightBits = 4, BlockSize = 32, EdgeWeightBits = 6 }, "edge-weight-bits", "MatMulNBits stores 2-, 4- or 8-bit weights" },
        { new() { WeightBits = 4, ReduceRange = true, EdgeWeightBits = 2 }, "edge-weight-bits", "reduce-range drops one bit" },
        { new() { CalibSize = 0 }, "calib-size", "positive" },
        { new() { NStd = 0 }, "n-std", "positive" },
        { new() { Skip = [""] }, "skip", "empty" },
        { new() { MinWeightSize = 100 }, "min-weight-size", "weight-only" },
        { new() { MixedInitScale = 0.02 }, "mixed-init-scale", "weight-bits mixed" },
        { new() { Mode = QuantizationMode.Dynamic, WeightBits = QuantizationRecipe.MixedBits }, "weight-bits", "mixed bit widths need" },
        { new() { Mode = QuantizationMode.Dynamic, ActBits = QuantizationRecipe.MixedBits }, "act-bits", "act-bits mixed with mode dynamic: the search fixes activation ranges from calibration data" },
        { new() { Mode = QuantizationMode.WeightOnly, ActBits = QuantizationRecipe.MixedBits }, "act-bits", "act-bits mixed with mode weight-only: activations stay float" },
        { new() { Mode = QuantizationMode.Fp16, ActBits = QuantizationRecipe.MixedBits }, "act-bits", "act-bits mixed with mode fp16" },
        { new() { ActBits = QuantizationRecipe.MixedBits, WeightBits = QuantizationRecipe.MixedBits }, "act-bits", "act-bits mixed with weight-bits mixed: one mixed-bit search at a time" },
        { new() { ActBits = QuantizationRecipe.MixedBits, TargetCosine = 0 }, "target-cosine", "target-cosine 0: must be in (0, 1]" },
        { new() { ActBits = QuantizationRecipe.MixedBits, MixedInitScale = 0.02 }, "mixed-init-scale", "weight-bits mixed" },
        { new() { EmpiricalBiasCorrection = true, Mode = QuantizationMode.Dynamic }, "empirical-bias-correction", "empirical-bias-correction with mode dynamic" },
        { new() { EmpiricalBiasCorrection = true, BiasCorrection = false }, "empirical-bias-correction", "with bias-correction false" },
        { new() { EmpiricalBiasCorrection = true, Stats = "s.json" }, "empirical-bias-correction", "with stats: it measures layer outputs on calibration samples" },
        { new() { EmpiricalBiasCorrection = true, TargetCosine = 0.99 }, "empirical-bias-correction", "with a target search" },
        { new() { EmpiricalBiasCorrection = true, ActBits = QuantizationRecipe.MixedBits }, "empirical-bias-correction", "with a target search" },
        { new() { AccuracyGuard = 1.5 }, "accuracy-guard", "accuracy-guard 1.5: must be in (0, 1]" },
        { new() { AccuracyGuard = -0.5 }, "accuracy-guard", "must be in (0, 1]" },
        { new() { AccuracyGuard = 0.99, Mode = QuantizationMode.Dynamic }, "accuracy-guard", "accuracy-guard 0.99 without data: it compares the output with float on samples" },
        { new() { AccuracyGuard = 0.99, Stats = "s.json" }, "accuracy-guard", "accuracy-guard 0.99 without data: it compares the output with float on samples" },
        { new() { AccuracyGuard = 0.99, TargetCosine = 0.99 }, "accuracy-guard", "with a target search" },
        { new() { AccuracyGuard = 0.99, ActBits = QuantizationRecipe.MixedBits }, "accuracy-guard", "with a target search" },
        { new() { AccuracyGuard = 0.99, EmpiricalBiasCorrection = true }, "accuracy-guard", "with empirical-bias-correction" },
        { new() { Overrides = [new LayerOverride { Pattern = "conv.*", WeightBits = 20 }] }, "overrides['conv.*'].weight-bits", "use 1 to 16" },
        { new() { BlockSize = 32 }, "block-size", "block-size 32 with mode full: block-wise weights are weight-only" },
        { Blocks with { BlockSize = 48 }, "block-size", "block-size 48: ONNX Runtime needs a power of two, at least 16" },
        { Blocks with { BlockSize = 8 }, "block-size", "at least 16" },
        { Blocks with { WeightBits = 3 }, "weight-bits", "weight-bits 3 with block-size: MatMulNBits stores 2-, 4- or 8-bit weights" },
        { Blocks with { WeightBits = QuantizationRecipe.MixedBits }, "weight-bits", "weight-bits mixed with block-size" },
        { Blocks with { Granularity = Granularity.PerTensor }, "granularity", "blocks are finer than channels" },
        { Blocks with { ReduceRange = true }, "reduce-range", "reduce-range with block-size" },
        { Blocks with { WeightMethod = WeightMethod.Mse }, "weight-method", "weight-method mse with block-size: block-wise weights take minmax (round to nearest), hqq, gptq or awq" },
        { Blocks with { WeightMethod = WeightMethod.Hqq }, "weight-mode", "add weight-mode asym_u" },
        { Blocks with { AccuracyLevel = 5 }, "accuracy-level", "accuracy-level 5: MatMulNBits takes 0 (unset), 1 (fp32), 2 (fp16), 3 (bf16) or 4 (int8)" },
        { Blocks with { EmbeddingBits = 6 }, "embedding-bits", "embedding-bits 6: block-wise tables are 2, 4 or 8 bits" },
        { Blocks with { MinWeightSize = 100 }, "min-weight-size", "skip layers with skip or skip-op instead" },
        { Blocks with { Overrides = [new LayerOverride { Pattern = "fc.*", WeightBits = 6 }] }, "overrides", "overrides['fc.*'].weight-bits 6 with block-size" },
        { new() { Mode = QuantizationMode.WeightOnly, AccuracyLevel = 4 }, "accuracy-level", "accuracy-level 4 without block-size" },
        { new() { Mode = QuantizationMode.WeightOnly, EmbeddingBits = 4 }, "embedding-bits", "embedding-bits 4 without block-size" },
        { new() { Mode = QuantizationMode.WeightOnly, WeightMethod = WeightMethod.Hqq }, "weight-method", "weight-method hqq fits the zero point of each block of block-wise weights; add block-size 32" },
        { new() { Mode = QuantizationMode.WeightOnly, WeightMethod = WeightMethod.Awq }, "weight-method", "weight-method awq scales the input channels of block-wise weights; add block-size 32" },
        { new() { SmoothQuant = 1.5 }, "smooth-quant", "smooth-quant 1.5: the migration strength lies in [0, 1]" },
        { new() { SmoothQuant = double.NaN }, "smooth-quant", "lies in [0, 1]" },
        { new() { SmoothQuant = 0.5, Mode = QuantizationMode.WeightOnly }, "smooth-quant", "smooth-quant with mode weight-only: smoothing eases activation quantization" },
        { new() { SmoothQuant = 0.5, Stats = "s.json" }, "smooth-quant", "smooth-quant with stats: smoothing needs per-channel maxima" },
    };

    private static QuantizationRecipe Blocks => new() { Mode = QuantizationMode.WeightOnly, WeightBits = 4, BlockSize = 32 };

    [Fact]
    public void Block_options_map_onto_the_block_quantizer()
    {
        Assert.Null(QuantizationRecipe.Default.ToBlockOptions());
        var defaults = Blocks.ToBlockOptions()!;
        Assert.Equal((32, Ptq.Quantization.Blockwise.BlockMethod.Rtn, 4, 8), (defaults.BlockSize, defaults.Method, defaults.AccuracyLevel, defaults.EmbeddingBits));
        var hqq = (Blocks with { BlockSize = 64, WeightMethod = WeightMethod.Hqq, WeightMode = QuantMode.AsymmetricUnsigned, AccuracyLevel = 0, EmbeddingBits = 4 }).ToBlockOptions()!;
        Assert.Equal((64, Ptq.Quantization.Blockwise.BlockMethod.Hqq, 0, 4), (hqq.BlockSize, hqq.Method, hqq.AccuracyLevel, hqq.EmbeddingBits));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_names_the_option(QuantizationRecipe recipe, string option, string message)
    {
        var e = Assert.Throws<RecipeException>(() => recipe.Validate());

        Assert.Equal(option, e.Key);
        Assert.Contains(message, e.Message);
        Assert.IsAssignableFrom<PtqException>(e);
    }

    [Fact]
    public void Messages_name_recipe_keys_and_render_flags_for_a_command_line()
    {
        var e = Assert.Throws<RecipeException>(() => new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, ActBits = 8 }.Validate());

        Assert.Equal("act-bits 8 with mode weight-only: activations stay float in this mode; drop act-bits or use mode full.", e.Message);
        Assert.Equal("--act-bits 8 with --mode weight-only: activations stay float in this mode; drop --act-bits or use --mode full.", e.MessageIn(OptionSpelling.Flags));
        // A recipe-only key has no flag and stays a key; a nested override key is written out as it is.
        var nStd = Assert.Throws<RecipeException>(() => new QuantizationRecipe { NStd = 0 }.Validate());
        Assert.Equal("n-std 0: must be a positive number of standard deviations, e.g. 3.", nStd.MessageIn(OptionSpelling.Flags));
        var nested = Assert.Throws<RecipeException>(() => new QuantizationRecipe { Overrides = [new LayerOverride { Pattern = "fc", ActBits = 1 }] }.Validate());
        Assert.Equal("overrides['fc'].act-bits 1: 1 bits are not supported; use 2 to 16.", nested.MessageIn(OptionSpelling.Flags));
    }

    [Fact]
    public void Weight_only_allows_2_to_16_bits_and_mixed()
    {
        new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, WeightBits = 2 }.Validate();
        Assert.Contains("use 2 to 16", Assert.Throws<RecipeException>(() => new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, WeightBits = 1 }.Validate()).Message, StringComparison.Ordinal);
        new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, WeightBits = QuantizationRecipe.MixedBits, MixedInitScale = 0.02 }.Validate();
    }

    [Theory]
    [InlineData(QuantMode.AsymmetricUnsigned)]
    [InlineData(QuantMode.Symmetric)]
    [InlineData(QuantMode.AsymmetricSigned)]
    public void Mixed_activation_bits_start_at_8_bits_and_aim_at_0995_unless_told(QuantMode actMode)
    {
        var recipe = new QuantizationRecipe { ActBits = QuantizationRecipe.MixedBits, ActMode = actMode }.Validate();

        var settings = recipe.ToStaticSettings();

        Assert.True(recipe.IsMixedActBits);
        Assert.Empty(recipe.UnsupportedFeatures());
        Assert.Equal(8, recipe.EffectiveActBits);
        Assert.Equal(new QuantScheme(8, actMode), settings.Activations);
        Assert.Equal(new QuantScheme(8, QuantMode.Symmetric, NarrowRange: true), settings.Weights);
        Assert.Equal(0.995, recipe.EffectiveTargetCosine);
        Assert.Equal(0.998, (recipe with { TargetCosine = 0.998 }).EffectiveTargetCosine);
    }

    [Fact]
    public void The_default_guard_checks_every_mode_and_bit_width_that_has_samples()
    {
        Assert.Equal(0.995, QuantizationRecipe.Default.EffectiveAccuracyGuard);
        Assert.Equal(0.995, new QuantizationRecipe { ActBits = 8, Granularity = Granularity.PerTensor }.EffectiveAccuracyGuard);
        Assert.Equal(0.98, new QuantizationRecipe { AccuracyGuard = 0.98 }.Validate().EffectiveAccuracyGuard);
        // The user's bits and ranges are kept; the guard still checks what they give.
        Assert.Equal(0.995, new QuantizationRecipe { ActBits = 4 }.EffectiveAccuracyGuard);
        Assert.Equal(0.995, new QuantizationRecipe { WeightBits = 4 }.EffectiveAccuracyGuard);
        Assert.Equal(0.995, new QuantizationRecipe { ClipTable = "clip.json" }.EffectiveAccuracyGuard);
        // Data-free modes and statistics: only with --data, which then supplies the check samples.
        Assert.Null(new QuantizationRecipe { Mode = QuantizationMode.WeightOnly }.EffectiveAccuracyGuard);
        Assert.Equal(0.995, new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, Data = ["check"] }.Validate().EffectiveAccuracyGuard);
        Assert.Equal(0.99, new QuantizationRecipe { Mode = QuantizationMode.Dynamic, Data = ["check"], AccuracyGuard = 0.99 }.Validate().EffectiveAccuracyGuard);
        Assert.Null(new QuantizationRecipe { Stats = "s.json" }.EffectiveAccuracyGuard);
        Assert.Equal(0.995, new QuantizationRecipe { Stats = "s.json", Data = ["check"] }.Validate().EffectiveAccuracyGuard);
        // 'off' is always accepted; a target search holds its own target; empirical bias correction keeps a check-only guard.
        Assert.Null(new QuantizationRecipe { AccuracyGuard = QuantizationRecipe.AccuracyGuardOff }.Validate().EffectiveAccuracyGuard);
        Assert.Null(new QuantizationRecipe { Mode = QuantizationMode.Dynamic, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff }.Validate().EffectiveAccuracyGuard);
        Assert.Null(new QuantizationRecipe { TargetCosine = 0.99 }.EffectiveAccuracyGuard);
        Assert.Null(new QuantizationRecipe { ActBits = QuantizationRecipe.MixedBits }.EffectiveAccuracyGuard);
        var corrected = new QuantizationRecipe { EmpiricalBiasCorrection = true };
        Assert.Equal(0.995, corrected.EffectiveAccuracyGuard);
        Assert.False(corrected.AccuracyGuardSearches);
    }

    [Fact]
    public void Only_a_search_has_a_target_cosine_by_default()
    {
        Assert.Null(QuantizationRecipe.Default.EffectiveTargetCosine);
        Assert.False(QuantizationRecipe.Default.IsMixedActBits);
        Assert.False(new QuantizationRecipe { ActBits = 8 }.IsMixedActBits);
        Assert.Equal(0.995, new QuantizationRecipe { WeightBits = QuantizationRecipe.MixedBits }.EffectiveTargetCosine);
        Assert.Equal(0.99, new QuantizationRecipe { TargetCosine = 0.99 }.EffectiveTargetCosine);
    }

    [Fact]
    public void Unsupported_features_list_every_option_set_that_the_pipeline_lacks()
    {
        var recipe = new QuantizationRecipe
        {
            Mode = QuantizationMode.WeightOnly, WeightBits = QuantizationRecipe.MixedBits, WeightMethod = WeightMethod.AdaRound, Data = ["images"],
            BiasCorrection = true, Cle = true, Clip = 6, ClipTable = "clip.json", TargetCosine = 0.995, MaxDrop = 0.5,
            Overrides = [new LayerOverride { Pattern = "fc", Skip = true }], MinWeightSize = 0, MinWeightChannels = 16, MixedInitScale = 0.02,
        }.Validate();

        var features = recipe.UnsupportedFeatures().Select(f => f.ToString()).ToArray();

        Assert.Equal(
            ["max-drop 0.5"],
            features);
    }

    [Fact]
    public void Mapping_refuses_unsupported_features_instead_of_ignoring_them()
    {
        var recipe = new QuantizationRecipe { MaxDrop = 0.5, BiasCorrection = false };

        var e = Assert.Throws<RecipeException>(() => recipe.ToStaticSettings());

        Assert.Equal("max-drop", e.Key);
        Assert.Contains("not implemented yet: max-drop 0.5", e.Message);
        Assert.Contains("not implemented yet: --max-drop 0.5", e.MessageIn(OptionSpelling.Flags));
    }

    [Fact]
    public void Equality_compares_lists_by_value()
    {
        var a = new QuantizationRecipe { Skip = ["a"], Preprocessing = new Ptq.Data.ImagePreprocessing(mean: [1f, 2f, 3f]) };
        var b = new QuantizationRecipe { Skip = ["a"], Preprocessing = new Ptq.Data.ImagePreprocessing(mean: [1f, 2f, 3f]) };

        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Skip = ["b"] });
    }

    [Fact]
    public void Weight_only_below_8_bits_with_data_reconstructs_with_gptq_unless_told_otherwise()
    {
        var weightOnly = new QuantizationRecipe { Mode = QuantizationMode.WeightOnly, WeightBits = 4, Data = ["images"] };
        Assert.Equal(WeightMethod.Gptq, weightOnly.EffectiveWeightMethod);
        Assert.Equal(WeightMethod.Gptq, weightOnly.ToStaticSettings().WeightMethod);
        Assert.Equal(WeightMethod.MinMax, (weightOnly with { Data = [] }).EffectiveWeightMethod);
        Assert.Equal(WeightMethod.MinMax, (weightOnly with { WeightBits = 8 }).EffectiveWeightMethod);
        Assert.Equal(WeightMethod.MinMax, (weightOnly with { WeightMethod = WeightMethod.MinMax }).EffectiveWeightMethod);
        Assert.Equal(WeightMethod.MinMax, new QuantizationRecipe { WeightBits = 4, Data = ["images"] }.EffectiveWeightMethod);
        var knobs = (weightOnly with { ReconSamples = 8, ActOrder = false }).ToStaticSettings().Reconstruction;
        Assert.Equal(8, knobs.Samples);
        Assert.False(knobs.ActOrder);
    }
}
