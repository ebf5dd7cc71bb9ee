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
            Granularity = Granularity.PerTensor, Data = ["input:/data/calib"], CalibSize = 100,
            Preprocessing = new ImagePreprocessing(resize: new ImageSize(256, 240), resizeMethod: ResizeMethod.Cubic,
                crop: new ImageSize(224, 220), color: ColorMode.Bgr, mean: [127.5f, 127.5f, 127.5f], std: [127.5f, 127.5f, 127.5f]),
        }, recipe);
        Assert.Equal(
            ["m.cfg: line 6: [common_quant_param] debug_info_save_path ignored: Ptq writes debug reports with 'ptq debug'.",
             "m.cfg: line 12: [full_quant_param] target_device ignored: Ptq writes standard ONNX QDQ for any ONNX Runtime backend."],
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
        var recipe = MindSporeConfigReader.Parse("[common_quant_param]\nquant_type=FULL_QUANT\nmin_quant_weight_size=10\n").Validate();
        Assert.Null(recipe.MinWeightSize);
    }
}
