using Ptq.Calibration;
using Ptq.Data;
using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

public sealed class MindSporeConfigReaderTests
{
    [Fact]
    public void Full_quant_config_maps_every_key()
    {
        const string cfg = """
            [common_quant_param]
            # comment
            quant_type=FULL_QUANT
            bit_num=8
            skip_quant_node=conv1, fc
            debug_info_save_path=/tmp/debug

            [full_quant_param]
            activation_quant_method=REMOVAL_OUTLIER
            bias_correction=false
            per_channel=false
            target_device=NVGPU

            [data_preprocess_param]
            calibrate_path=input:/data/calib
            calibrate_size=100
            input_type=IMAGE
            image_to_format=BGR
            normalize_mean=[127.5, 127.5, 127.5]
            normalize_std=[127.5, 127.5, 127.5]
            resize_width=256
            resize_height=240
            resize_method=CUBIC
            center_crop_width=224
            center_crop_height=220
            """;
        var warnings = new List<string>();

        var recipe = MindSporeConfigReader.Parse(cfg, "m.cfg", warnings).Validate();

        Assert.Equal(new QuantizationRecipe
        {
            ActBits = 8, WeightBits = 8, Skip = ["conv1", "fc"], Method = CalibrationMethod.Percentile, BiasCorrection = false,
            Granularity = Granularity.PerTensor, Data = ["input:/data/calib"], CalibSize = 100, DebugDir = "/tmp/debug",
            Preprocessing = new ImagePreprocessing(resize: new ImageSize(256, 240), resizeMethod: ResizeMethod.Cubic,
                crop: new ImageSize(224, 220), color: ColorMode.Bgr, mean: [127.5f, 127.5f, 127.5f], std: [127.5f, 127.5f, 127.5f]),
        }, recipe);
        Assert.Equal(
            ["m.cfg: line 12: [full_quant_param] target_device ignored: Ptq writes standard ONNX QDQ for any ONNX Runtime backend."],
            warnings);
    }

    [Fact]
    public void Weight_quant_with_mixed_bits_maps_thresholds_and_auto_tune()
    {
        const string cfg = """
            [common_quant_param]
            quant_type=WEIGHT_QUANT
            bit_num=0
            min_quant_weight_size=5000
            min_quant_weight_channel=5

            [mixed_bit_weight_quant_param]
            init_scale=0.02
            auto_tune=true
            """;

        var recipe = MindSporeConfigReader.Parse(cfg).Validate();

        Assert.Equal(QuantizationMode.WeightOnly, recipe.Mode);
        Assert.True(recipe.IsMixedWeightBits);
        Assert.Null(recipe.ActBits);
        Assert.Equal(5000, recipe.MinWeightSize);
        Assert.Equal(5, recipe.MinWeightChannels);
        Assert.Equal(0.02, recipe.MixedInitScale);
        Assert.Equal(MindSporeConfigReader.AutoTuneCosine, recipe.TargetCosine);
    }

    [Theory]
    [InlineData("MAX_MIN", CalibrationMethod.MinMax)]
    [InlineData("KL", CalibrationMethod.Kl)]
    [InlineData("RemovalOutlier", CalibrationMethod.Percentile)]
    public void Activation_methods_map(string name, CalibrationMethod expected)
    {
        var recipe = MindSporeConfigReader.Parse($"[common_quant_param]\nquant_type=FULL_QUANT\n[full_quant_param]\nactivation_quant_method={name}\n");
        Assert.Equal(expected, recipe.Method);
    }

    [Fact]
    public void Dynamic_quant_maps_to_dynamic_mode()
    {
        var recipe = MindSporeConfigReader.Parse("[common_quant_param]\r\nquant_type=DYNAMIC_QUANT\r\nbit_num=8\r\n").Validate();
        Assert.Equal(QuantizationMode.Dynamic, recipe.Mode);
    }

    [Theory]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\nbit_nums=8\n", "m.cfg: line 3: unknown key bit_nums in [common_quant_param]")]
    [InlineData("[common]\nquant_type=FULL_QUANT\n", "m.cfg: line 1: unknown section [common]")]
    [InlineData("quant_type=FULL_QUANT\n", "m.cfg: line 1: quant_type is outside any section")]
    [InlineData("[common_quant_param]\nbit_num=8\n", "m.cfg: [common_quant_param] quant_type is required")]
    [InlineData("[common_quant_param]\nquant_type=HALF\n", "m.cfg: line 2: [common_quant_param] quant_type=HALF: expected FULL_QUANT, WEIGHT_QUANT or DYNAMIC_QUANT")]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=eight\n", "m.cfg: line 3: [common_quant_param] bit_num=eight: expected an integer")]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=0\n", "m.cfg: line 3: [common_quant_param] bit_num=0: mixed bits (0) apply to WEIGHT_QUANT; FULL_QUANT needs a bit width such as 8")]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\nquant_type=FULL_QUANT\n", "m.cfg: line 3: quant_type is already set on line 2")]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\n[data_preprocess_param]\nresize_width=224\n", "m.cfg: line 4: [data_preprocess_param] resize_width=224: resize_width and resize_height must be given together")]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\n[data_preprocess_param]\ninput_type=JPEG\n", "m.cfg: line 4: [data_preprocess_param] input_type=JPEG: expected IMAGE or BIN")]
    [InlineData("[common_quant_param]\nquant_type=FULL_QUANT\n[data_preprocess_param]\nimage_to_format=YUV\n", "m.cfg: line 4: [data_preprocess_param] image_to_format: image_to_format: 'YUV' is not one of rgb|bgr|gray")]
    public void Errors_name_file_line_and_key(string cfg, string message)
    {
        var e = Assert.Throws<RecipeException>(() => MindSporeConfigReader.Parse(cfg, "m.cfg"));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Full_quant_ignores_weight_only_thresholds_like_MindSpore()
    {
        var warnings = new List<string>();
        var recipe = MindSporeConfigReader.Parse("[common_quant_param]\nquant_type=FULL_QUANT\nmin_quant_weight_size=10\n", "m.cfg", warnings).Validate();
        Assert.Null(recipe.MinWeightSize);
        Assert.Equal(["m.cfg: line 3: [common_quant_param] min_quant_weight_size not applied under quant_type=FULL_QUANT: MindSpore applies it to WEIGHT_QUANT only."], warnings);
    }

    /// <summary>A config with every key of the four documented sections, for quant_type and bit_num in <paramref name="common"/>.</summary>
    internal static string EveryKey(string quantType, int bits, string calibratePath = "Input3:/data/mnist", string debug = "/tmp/debug") => $"""
        [common_quant_param]
        quant_type={quantType}
        bit_num={bits}
        min_quant_weight_size=100
        min_quant_weight_channel=4
        skip_quant_node=Convolution28
        debug_info_save_path={debug}

        [mixed_bit_weight_quant_param]
        init_scale=0.03
        auto_tune=false

        [full_quant_param]
        activation_quant_method=KL
        bias_correction=true

        [data_preprocess_param]
        calibrate_path={calibratePath}
        calibrate_size=100
        input_type=BIN
        image_to_format=GRAY
        normalize_mean=[0]
        normalize_std=[1]
        resize_width=28
        resize_height=28
        resize_method=NEAREST
        center_crop_width=28
        center_crop_height=28
        """;

    private static readonly ImagePreprocessing EveryKeyPreprocessing = new(resize: new ImageSize(28, 28), resizeMethod: ResizeMethod.Nearest,
        crop: new ImageSize(28, 28), color: ColorMode.Gray, mean: [0f], std: [1f]);

    [Fact]
    public void Every_key_under_full_quant_maps_or_warns_by_name()
    {
        var warnings = new List<string>();
        var recipe = MindSporeConfigReader.Parse(EveryKey("FULL_QUANT", 8), "m.cfg", warnings).Validate().EnsureSupported();

        Assert.Equal(QuantizationRecipe.Default with
        {
            ActBits = 8, WeightBits = 8, Skip = ["Convolution28"], DebugDir = "/tmp/debug", Method = CalibrationMethod.Kl, BiasCorrection = true,
            Data = ["Input3:/data/mnist"], CalibSize = 100, Preprocessing = EveryKeyPreprocessing,
        }, recipe);
        Assert.Equal(
            ["m.cfg: line 4: [common_quant_param] min_quant_weight_size not applied under quant_type=FULL_QUANT: MindSpore applies it to WEIGHT_QUANT only.",
             "m.cfg: line 5: [common_quant_param] min_quant_weight_channel not applied under quant_type=FULL_QUANT: MindSpore applies it to WEIGHT_QUANT only.",
             "m.cfg: line 10: [mixed_bit_weight_quant_param] init_scale not applied under quant_type=FULL_QUANT: mixed-bit weight quantization is part of WEIGHT_QUANT (with bit_num=0).",
             "m.cfg: line 11: [mixed_bit_weight_quant_param] auto_tune not applied under quant_type=FULL_QUANT: mixed-bit weight quantization is part of WEIGHT_QUANT (with bit_num=0)."],
            warnings);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Every_key_under_weight_quant_maps_or_warns_by_name(int bits)
    {
        var warnings = new List<string>();
        var recipe = MindSporeConfigReader.Parse(EveryKey("WEIGHT_QUANT", bits), "m.cfg", warnings).Validate().EnsureSupported();

        Assert.Equal(QuantizationRecipe.Default with
        {
            Mode = QuantizationMode.WeightOnly, WeightBits = bits, MinWeightSize = 100, MinWeightChannels = 4, DebugDir = "/tmp/debug",
            MixedInitScale = bits == 0 ? 0.03 : null, Data = ["Input3:/data/mnist"], CalibSize = 100, Preprocessing = EveryKeyPreprocessing,
        }, recipe);
        string mixedWhy = "mixed-bit weight quantization runs with bit_num=0, and bit_num is 8.";
        Assert.Equal(
            [
                "m.cfg: line 6: [common_quant_param] skip_quant_node not applied under quant_type=WEIGHT_QUANT: MindSpore applies it to FULL_QUANT only (weights to skip under WEIGHT_QUANT: min_quant_weight_size/min_quant_weight_channel, or overrides in a Ptq recipe).",
                .. bits == 0 ? Array.Empty<string>() :
                [
                    $"m.cfg: line 10: [mixed_bit_weight_quant_param] init_scale not applied under quant_type=WEIGHT_QUANT: {mixedWhy}",
                    $"m.cfg: line 11: [mixed_bit_weight_quant_param] auto_tune not applied under quant_type=WEIGHT_QUANT: {mixedWhy}",
                ],
                "m.cfg: line 14: [full_quant_param] activation_quant_method not applied under quant_type=WEIGHT_QUANT: activations are quantized only under FULL_QUANT.",
                "m.cfg: line 15: [full_quant_param] bias_correction not applied under quant_type=WEIGHT_QUANT: MindSpore corrects biases under FULL_QUANT only.",
            ],
            warnings);
    }

    [Fact]
    public void Auto_tune_under_weight_quant_with_mixed_bits_sets_the_search_target()
    {
        var recipe = MindSporeConfigReader.Parse(EveryKey("WEIGHT_QUANT", 0).Replace("auto_tune=false", "auto_tune=true", StringComparison.Ordinal)).Validate().EnsureSupported();
        Assert.Equal(MindSporeConfigReader.AutoTuneCosine, recipe.TargetCosine);
        Assert.Equal(0.03, recipe.MixedInitScale);
        Assert.Null(recipe.EffectiveAccuracyGuard); // the search holds the output to its target
    }
}
