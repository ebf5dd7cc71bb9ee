using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Ptq.Calibration;
using Ptq.Cli.Options;
using Ptq.Data;
using Ptq.Quantization;
using Ptq.Recipes;

namespace Ptq.Tests.Cli;

/// <summary>
/// The seed documents' command lines, with file names adapted to the shared models, translate into the recipe each
/// documents, field by field (compared as the YAML 'ptq recipe show' writes, so a difference names the key); refused
/// flags and values say why. Nothing is quantized here (see SeedToolCommandTests).
/// </summary>
public sealed partial class SeedToolTranslationTests
{
    private static readonly string Mnist = Assets.Model("mnist-cnn.onnx");
    private static readonly string Squeezenet = Assets.Model("squeezenet1.1.onnx");
    private static readonly string Images = Assets.Get("mnist", "t10k-images-idx3-ubyte.gz");
    private static readonly QuantizationRecipe Default = QuantizationRecipe.Default;

    // ---- Bolt (both versions of its documentation) ----

    [Theory]
    [InlineData("")] // "./post_training_quantization -p model_ptq_input.bolt"
    [InlineData("-i INT8_FP16 -b true -q NOQUANT -c 0 -o false")] // "The command above is equivalent to this one" (newer)
    [InlineData("-i INT8 -b true -q NOQUANT -c 0 -o false")] // the same line in the older document
    public void Bolt_default_is_dynamic_int8_written_beside_the_model(string flags)
    {
        var t = Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} {flags}");
        AssertRecipe(Default with { Mode = QuantizationMode.Dynamic }, t.Recipe);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(Mnist)!, "mnist-cnn_int8_q.onnx"), t.Output);
        Assert.DoesNotContain("false", Path.GetFileName(t.Output), StringComparison.Ordinal);
        Assert.Equal($"ptq quantize {Mnist} --mode dynamic -o {t.Output}", t.QuantizeCommand);
    }

    [Fact]
    public void Bolt_fp32_inference_with_int8_storage_is_weight_only() =>
        AssertRecipe(Default with { Mode = QuantizationMode.WeightOnly }, Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} -i FP32 -q INT8").Recipe);

    [Fact]
    public void Bolt_mixed_storage_is_weight_only_with_float16_for_the_layers_kept_float()
    {
        var t = Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} -i FP32 -q MIX -d {Q(Images)}");
        AssertRecipe(Default with
        {
            Mode = QuantizationMode.WeightOnly, FloatWeightsFp16 = true, Data = [Images], Preprocessing = new ImagePreprocessing(resize: new ImageSize(28, 28)),
        }, t.Recipe);
        Assert.Contains("--float-weights-fp16", t.QuantizeCommand, StringComparison.Ordinal);
    }

    [Fact]
    public void Bolt_fp16_storage_is_fp16_mode()
    {
        var t = Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} -i FP32 -q FP16");
        AssertRecipe(Default with { Mode = QuantizationMode.Fp16 }, t.Recipe);
        Assert.EndsWith("mnist-cnn_f16_q.onnx", t.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bolt_global_clip_is_clip() =>
        AssertRecipe(Default with { Mode = QuantizationMode.Dynamic, Clip = 2.5 }, Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} -i INT8_FP16 -c 2.5").Recipe);

    [Fact]
    public void Bolt_batchnorm_flag_is_fold_bn() =>
        AssertRecipe(Default with { Mode = QuantizationMode.Dynamic, FoldBn = false }, Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} -i INT8_FP16 -b false").Recipe);

    [Fact]
    public void Bolt_verbose_flag_is_verbose()
    {
        var t = Translate(SeedToolFrontEnd.Bolt, $"-V -p {Q(Mnist)}");
        Assert.True(t.Verbose);
        Assert.EndsWith(" -V", t.QuantizeCommand, StringComparison.Ordinal);
    }

    [Fact]
    public void Bolt_offline_calibration_is_full_kl_with_bolt_preprocessing()
    {
        // "./post_training_quantization -p model_ptq_input.bolt -i INT8_FP16 -o true -d calibration_dataset/ -f BGR -m 0.017"
        var t = Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Squeezenet)} -i INT8_FP16 -o true -d {Q(Assets.Get("imagenet", "images"))} -f BGR -m 0.017");
        var expected = Default with
        {
            Mode = QuantizationMode.Full, Method = CalibrationMethod.Kl, Data = [Assets.Get("imagenet", "images")], FloatOpsFp16 = true,
            Preprocessing = new ImagePreprocessing(resize: new ImageSize(224, 224), color: ColorMode.Bgr, multiply: 0.017f),
        };
        AssertRecipe(expected, t.Recipe);
        Assert.Empty(t.Notes); // INT8_FP16 is honoured: the float operators compute in fp16
    }

    [Fact]
    public void Bolt_clip_table_is_static_with_the_table()
    {
        // "./post_training_quantization -p model_ptq_input.bolt -i INT8 -s /path/to/scale.json", with samples to calibrate the rest on
        var t = Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} -i INT8 -s scale.json -d {Q(Images)}");
        AssertRecipe(Default with { Mode = QuantizationMode.Full, ClipTable = "scale.json", Data = [Images], Preprocessing = new ImagePreprocessing(resize: new ImageSize(28, 28)) }, t.Recipe);
    }

    [Theory]
    [InlineData("-i INT8 -s scale.json", "bolt -s: static int8 quantization calibrates (and checks the result) on sample images; give them with -d DIR.")]
    [InlineData("-i FP32", "bolt -i FP32 -q NOQUANT: nothing to quantize")]
    [InlineData("-i INT8_FP32 -q FP16", "bolt -i INT8_FP32 -q FP16: int8 inference stores the quantized weights in int8 already")]
    [InlineData("-i FP32 -q INT8 -o true", "bolt -i FP32 with -o true:")]
    [InlineData("-q MIX", "bolt -q MIX: MIX finds the accuracy-critical layers by measuring the output on samples; give them with -d DIR.")]
    [InlineData("-o yes", "bolt -o yes: expected true or false.")]
    [InlineData("-i INT4", "bolt -i INT4: expected one of FP32, INT8_FP16, INT8_FP32.")]
    [InlineData("-c -1", "bolt -c -1: expected a clip value of 0 (no clipping) or more.")]
    public void Bolt_refuses_what_it_cannot_honour(string flags, string message)
    {
        var e = Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.Bolt, $"-p {Q(Mnist)} {flags}"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bolt_refuses_a_bolt_model() =>
        Assert.Contains("give the .onnx file", Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.Bolt, "-p model_ptq_input.bolt")).Message, StringComparison.Ordinal);

    // ---- TNN ----

    [Fact]
    public void Tnn_documented_command_sets_every_flag()
    {
        // "./quantization_cmd -p model.tnnproto -m model.tnnmodel -i images/ -b 2 -w 1 -t 1 -n ... -s ... -r 1 -o model_quantized"
        string images = Assets.Get("imagenet", "images");
        var t = Translate(SeedToolFrontEnd.Tnn, $"-p {Q(Squeezenet)} -m {Q(Squeezenet)} -i {Q(images)} -b 2 -w 1 -t 1 -n \"104.0, 117.0, 123.0\" -s 0.017,0.017,0.017 -r 1 -o model_quantized");
        var expected = Default with
        {
            Data = [images], Method = CalibrationMethod.Kl, WeightMethod = WeightMethod.Admm, Granularity = Granularity.Mix,
            Preprocessing = new ImagePreprocessing(resize: new ImageSize(224, 224), color: ColorMode.Bgr, mean: [104f, 117f, 123f], scale: [0.017f, 0.017f, 0.017f]),
        };
        AssertRecipe(expected, t.Recipe);
        Assert.Equal("model_quantized.onnx", t.Output);
        Assert.Empty(t.Notes);
    }

    [Theory] // the four configurations of TNN's published SqueezeNet table, and TNN's defaults
    [InlineData("-b 2 -w 1 -t 0", CalibrationMethod.Kl, WeightMethod.Admm, Granularity.PerChannel)]
    [InlineData("-b 2 -w 1 -t 2", CalibrationMethod.Kl, WeightMethod.Admm, Granularity.PerTensor)]
    [InlineData("-b 2 -w 1 -t 1", CalibrationMethod.Kl, WeightMethod.Admm, Granularity.Mix)]
    [InlineData("-b 0 -w 0 -t 0", CalibrationMethod.MinMax, WeightMethod.MinMax, Granularity.PerChannel)]
    [InlineData("", CalibrationMethod.MinMax, WeightMethod.MinMax, Granularity.PerChannel)]
    public void Tnn_methods_and_merge_type(string flags, CalibrationMethod method, WeightMethod weights, Granularity granularity)
    {
        var t = Translate(SeedToolFrontEnd.Tnn, $"--proto {Q(Mnist)} --input_path {Q(Images)} {flags}");
        // -t 0 (TNN's default) is per-channel weights and activations; -t 1 (mix) and -t 2 quantize activations per tensor.
        AssertRecipe(Default with
        {
            Data = [Images], Method = method, WeightMethod = weights, Granularity = granularity, PerChannelActs = granularity == Granularity.PerChannel,
            Preprocessing = new ImagePreprocessing(resize: new ImageSize(28, 28)),
        }, t.Recipe);
        Assert.Empty(t.Notes);
    }

    [Theory]
    [InlineData("-b 1", "tnn -b 1: expected one of 0, 2 (0 → minmax, 2 → kl)")]
    [InlineData("-t 3", "tnn -t 3: expected one of 0, 1, 2 (0 → per-channel, 1 → mix, 2 → per-tensor)")]
    [InlineData("-w 2", "tnn -w 2: expected one of 0, 1 (0 → minmax, 1 → admm)")]
    [InlineData("-m other.onnx", "tnn -m other.onnx: an ONNX model is one file")]
    [InlineData("-n 1,x,3", "tnn -n 1,x,3: --mean")]
    public void Tnn_refuses_values_it_does_not_have(string flags, string message)
    {
        var e = Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.Tnn, $"-p {Q(Mnist)} -i {Q(Images)} {flags}"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    // ---- Distiller: the ten runs of its ResNet-50 table (row 1 is the float model) ----

    private static readonly QuantizationRecipe DistillerBase = Default with
    {
        Data = [Images], Stats = "stats.yaml", ActMode = QuantMode.Symmetric, WeightMode = QuantMode.Symmetric, Granularity = Granularity.PerTensor,
        Method = CalibrationMethod.MinMax, BiasCorrection = false, NetAwareClip = true,
    };

    public static TheoryData<string, QuantizationRecipe> DistillerRuns => new()
    {
        { "--qe-mode sym", DistillerBase },
        { "--qe-mode sym --qe-per-channel", DistillerBase with { Granularity = Granularity.PerChannel } },
        { "--qe-mode sym --qe-per-channel --qe-clip-acts avg", DistillerBase with { Granularity = Granularity.PerChannel, Method = CalibrationMethod.Avg } },
        { "--qe-mode sym --qe-per-channel --qe-clip-acts avg --qe-no-clip-layers fc", DistillerBase with { Granularity = Granularity.PerChannel, Method = CalibrationMethod.Avg, NoClip = ["fc"] } },
        { "--qe-mode asym_u", DistillerBase with { ActMode = QuantMode.AsymmetricUnsigned, WeightMode = QuantMode.AsymmetricUnsigned } },
        {
            "--qe-mode asym_u --qe-per-channel --qe-clip-acts avg --qe-no-clip-layers fc",
            DistillerBase with { ActMode = QuantMode.AsymmetricUnsigned, WeightMode = QuantMode.AsymmetricUnsigned, Granularity = Granularity.PerChannel, Method = CalibrationMethod.Avg, NoClip = ["fc"] }
        },
        { "--qe-bits-acts 6 --qe-bits-wts 6 --qe-mode sym", DistillerBase with { ActBits = 6, WeightBits = 6 } },
        { "--qe-bits-acts 6 --qe-bits-wts 6 --qe-mode asym_u", DistillerBase with { ActBits = 6, WeightBits = 6, ActMode = QuantMode.AsymmetricUnsigned, WeightMode = QuantMode.AsymmetricUnsigned } },
        {
            "--qe-bits-acts 6 --qe-bits-wts 6 --qe-mode asym_u --qe-per-channel --qe-clip-acts avg --qe-no-clip-layers fc",
            DistillerBase with { ActBits = 6, WeightBits = 6, ActMode = QuantMode.AsymmetricUnsigned, WeightMode = QuantMode.AsymmetricUnsigned, Granularity = Granularity.PerChannel, Method = CalibrationMethod.Avg, NoClip = ["fc"] }
        },
    };

    [Theory]
    [MemberData(nameof(DistillerRuns))]
    public void Distiller_sample_invocations(string flags, QuantizationRecipe expected)
    {
        // "python compress_classifier.py -a resnet50 --pretrained <path_to_imagenet_dataset> --evaluate --quantize-eval ... --qe-stats-file ...yaml"
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --evaluate --quantize-eval {flags} --qe-stats-file stats.yaml");
        AssertRecipe(expected, t.Recipe);
        Assert.Equal(Path.Combine("logs", "mnist-cnn_quantized.onnx"), t.Output);
    }

    [Theory]
    [InlineData("", 500)] // Distiller calibrates on 5 % of the test set by default
    [InlineData("--qe-calibration 0.05", 500)]
    [InlineData("--qe-calibration 0.0123", 123)]
    [InlineData("--qe-calibration 1", 10000)]
    public void Distiller_calibration_fraction_is_a_sample_count(string flags, int samples)
    {
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --qe {flags}");
        AssertRecipe(DistillerBase with { Stats = null, CalibSize = samples }, t.Recipe);
        Assert.Equal(flags.Length == 0, t.Notes.Any(n => n.Contains("(500 of 10000 samples)", StringComparison.Ordinal)));
    }

    [Fact]
    public void Distiller_short_forms_and_class_bits()
    {
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --qe --qem asym_u --qema asym_s --qebw 4 --qepc --qeca n_std --qe-clip-n-stds 2.5 --qenql Convolution28 --qe-bits-accum 32 -o out");
        AssertRecipe(DistillerBase with
        {
            Stats = null, CalibSize = 500, ActMode = QuantMode.AsymmetricSigned, WeightMode = QuantMode.AsymmetricUnsigned, WeightBits = 4,
            Granularity = Granularity.PerChannel, Method = CalibrationMethod.NStd, NStd = 2.5, Skip = ["Convolution28"],
        }, t.Recipe);
        Assert.Equal(Path.Combine("out", "mnist-cnn_quantized.onnx"), t.Output);
    }

    [Fact]
    public void Distiller_activation_bits_0_keeps_activations_float()
    {
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-bits-acts 0 --qe-bits-wts 4");
        AssertRecipe(DistillerBase with { Stats = null, Mode = QuantizationMode.WeightOnly, WeightBits = 4, Method = CalibrationMethod.Mse, NetAwareClip = false }, t.Recipe);
    }

    /// <summary>--qe-bits-wts 0: weights (and so biases) stay float, activations are quantized.</summary>
    [Fact]
    public void Distiller_weight_bits_0_keeps_weights_float()
    {
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-bits-wts 0");
        Assert.False(t.Recipe.QuantizeWeights);
        Assert.Equal(QuantizationMode.Full, t.Recipe.Mode);
        Assert.Equal(QuantizationRecipe.DefaultBits, t.Recipe.WeightBits);
    }

    [Fact]
    public void Distiller_dynamic_is_dynamic() =>
        AssertRecipe(DistillerBase with { Stats = null, Mode = QuantizationMode.Dynamic, ActMode = QuantMode.AsymmetricUnsigned, Method = CalibrationMethod.Mse, NetAwareClip = false },
            Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-dynamic --qe-mode-acts asym_u").Recipe);

    [Theory]
    [InlineData("--lapq-maxiter 2", "distiller --lapq-maxiter: it steers LAPQ's search; add --qe-lapq")]
    [InlineData("--qe-lapq --lapq-method Nelder-Mead", "distiller --lapq-method Nelder-Mead: only Powell's method is implemented")]
    [InlineData("--qe-lapq --lapq-init-method L-BFGS-B", "distiller --lapq-init-method L-BFGS-B: each L_p clip is found exactly")]
    [InlineData("--qe-lapq --lapq-init-mode NONE", "distiller --lapq-init-mode NONE: Ptq's LAPQ starts from L_p-optimal clips only")]
    [InlineData("--qe-lapq --lapq-init-mode L4", "distiller --lapq-init-mode L4: expected one of L1, L2, L3")]
    [InlineData("--qe-lapq --lapq-bh", "distiller --lapq-basinhopping: not implemented")]
    [InlineData("--qe-lapq --lapq-bh-niter 50", "distiller --lapq-basinhopping-niter: basin hopping is not implemented")]
    [InlineData("--qe-lapq --lapq-eval-size 2", "distiller --lapq-eval-size 2: expected the fraction of DATA_DIR")]
    [InlineData("--qe-lapq --qe-clip-acts avg", "distiller --qe-clip-acts with --qe-lapq: LAPQ chooses the clips itself")]
    [InlineData("--qe-lapq --qe-dynamic", "distiller --qe-lapq: LAPQ searches the clips of statically quantized activations")]
    [InlineData("--qe-scale-approx-bits 40", "distiller --qe-scale-approx-bits 40: expected the integer multiplier's bits, 2 to 31")]
    [InlineData("--qe-config-file q.yaml --qe-mode sym", "distiller --qe-config-file with --qe-mode: the config file replaces the other --qe-* flags")]
    [InlineData("--qept", "distiller --qe-convert-pytorch: Ptq writes ONNX")]
    [InlineData("-a resnet50", "distiller -a: the model is the MODEL.onnx argument")]
    [InlineData("--pretrained", "distiller --pretrained:")]
    [InlineData("--qe-bits-wts 0 --qe-bits-acts 0", "distiller --qe-bits-wts 0: with --qe-bits-acts 0 too nothing would be quantized")]
    [InlineData("--qe-bits-accum 16", "distiller --qe-bits-accum 16: ONNX Runtime's integer kernels accumulate in int32")]
    [InlineData("--qe-calibration 5", "distiller --qe-calibration 5: expected the fraction of DATA_DIR")]
    [InlineData("--qe-clip-n-stds 2", "distiller --qe-clip-n-stds 2: it only applies with --qe-clip-acts n_std")]
    [InlineData("--qe-clip-acts max", "distiller --qe-clip-acts max: expected one of none, avg, n_std, gauss, laplace")]
    [InlineData("--qe-mode sym_u", "distiller --qe-mode sym_u: --act-mode")]
    [InlineData("--qe-stats-file s.yaml --qe-calibration 0.1", "distiller --qe-calibration with --qe-stats-file")]
    public void Distiller_refuses_what_it_cannot_honour(string flags, string message)
    {
        var e = Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval {flags}"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Distiller's LAPQ example ("--qe-lapq --lapq-maxiter 2 --lapq-eval-size 0.01 --lapq-init-mode L3 --lapq-init-method powell
    /// --lapq-search-clipping …"): every flag lands in the recipe; the eval fraction becomes a sample count.
    /// </summary>
    [Fact]
    public void Distiller_lapq_example()
    {
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-lapq --qe-bits-acts 4 --qe-mode asym_u --lapq-maxiter 2 --lapq-maxfev 300 " +
            "--lapq-method Powell --lapq-eval-size 0.001 --lapq-eval-memoize-dataloader --lapq-init-mode L3 --lapq-init-method powell --lapq-search-clipping --qe-stats-file stats.yaml");
        AssertRecipe(DistillerBase with
        {
            ActBits = 4, ActMode = QuantMode.AsymmetricUnsigned, WeightMode = QuantMode.AsymmetricUnsigned, Method = CalibrationMethod.Lapq,
            LapqIterations = 2, LapqMaxEvals = 300, LapqSamples = 10, LapqInitP = 3,
        }, t.Recipe);
        Assert.DoesNotContain(t.Notes, n => n.Contains("--lapq-eval-size", StringComparison.Ordinal));
        var approx = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-scale-approx-bits 8 --qe-stats-file stats.yaml");
        AssertRecipe(DistillerBase with { ScaleApproxBits = 8, ScaleApproxBake = true }, approx.Recipe);
        var plain = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-lapq --qe-stats-file stats.yaml");
        AssertRecipe(DistillerBase with { Method = CalibrationMethod.Lapq }, plain.Recipe);
        Assert.Contains(plain.Notes, n => n.Contains("no --lapq-eval-size", StringComparison.Ordinal));
    }

    /// <summary>Distiller's resnet18_imagenet_post_train.yaml, adapted to MNIST's layer names.</summary>
    internal const string DistillerConfig = """
        quantizers:
          post_train_quantizer:
            class: PostTrainLinearQuantizer
            bits_activations: 6
            bits_parameters: 6
            bits_accum: 32
            mode:
              activations: ASYMMETRIC_UNSIGNED
              weights: SYMMETRIC
            model_activation_stats: acts_quantization_stats.yaml
            per_channel_wts: True
            clip_acts: AVG
            overrides:
              # first and last layers in 8 bits, the last unclipped
              Convolution28:
                bits_weights: 8
                bits_activations: 8
              Times212:
                clip_acts: NONE
                bits_weights: 8
                bits_activations: 8
              Plus.*:
                bits_weights: null
                bits_activations: null
        """;

    [Fact]
    public void Distiller_config_file_is_read_as_a_recipe_with_overrides()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("post_train.yaml"), DistillerConfig);
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-config-file {Q(temp.File("post_train.yaml"))}");
        AssertRecipe(DistillerBase with
        {
            Stats = temp.File("acts_quantization_stats.yaml"), ActBits = 6, WeightBits = 6, ActMode = QuantMode.AsymmetricUnsigned,
            Granularity = Granularity.PerChannel, Method = CalibrationMethod.Avg,
            Overrides =
            [
                new LayerOverride { Pattern = "Convolution28", WeightBits = 8, ActBits = 8 },
                new LayerOverride { Pattern = "Times212", Method = CalibrationMethod.MinMax, WeightBits = 8, ActBits = 8 },
                new LayerOverride { Pattern = "Plus.*", Skip = true },
            ],
        }, t.Recipe);
    }

    [Theory]
    [InlineData("quantizers:\n  q:\n    class: QuantAwareTrainRangeLinearQuantizer\n", "q.class: 'QuantAwareTrainRangeLinearQuantizer' is not a post-training quantizer")]
    [InlineData("quantizers:\n  q:\n    bits_accum: 16\n", "q.bits_accum: 16: ONNX Runtime's integer kernels accumulate in int32")]
    [InlineData("quantizers:\n  q:\n    mode: SYM\n", "q.mode: 'SYM': expected one of SYMMETRIC, ASYMMETRIC_UNSIGNED, ASYMMETRIC_SIGNED")]
    [InlineData("quantizers:\n  q:\n    global_scale: 2\n", "q.global_scale: not a PostTrainLinearQuantizer setting Ptq reads")]
    [InlineData("quantizers:\n  q:\n    overrides:\n      fc: {bits_weights: null}\n", "q.overrides.fc: one class float and the other quantized has no ONNX Runtime kernel")]
    [InlineData("policies: []\n", "quantizers: expected a 'quantizers:' mapping")]
    public void Distiller_config_refuses_what_it_cannot_honour(string yaml, string message)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("c.yaml"), yaml);
        var e = Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --qe --qe-config-file {Q(temp.File("c.yaml"))}"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Distiller_needs_quantize_eval() =>
        Assert.StartsWith("distiller --quantize-eval: missing", Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --qe-calibration 0.05")).Message, StringComparison.Ordinal);

    [Fact]
    public void Distiller_takes_ptq_preprocessing_flags()
    {
        var t = Translate(SeedToolFrontEnd.Distiller, $"{Q(Mnist)} {Q(Images)} --quantize-eval --qe-stats-file stats.yaml --resize-short 256 --crop 224,224");
        AssertRecipe(DistillerBase with { Preprocessing = new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224)) }, t.Recipe);
    }

    // ---- MindSpore Lite ----

    [Fact]
    public void MindSpore_config_is_read_as_the_recipe()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("full_quant.cfg"), $"[common_quant_param]\nquant_type=FULL_QUANT\nbit_num=8\n\n[data_preprocess_param]\ncalibrate_path=Input3:{Images}\ncalibrate_size=100\ninput_type=BIN\n\n[full_quant_param]\nactivation_quant_method=KL\nbias_correction=false\n");
        var t = Translate(SeedToolFrontEnd.MindSpore, $"--fmk=ONNX --modelFile={Q(Mnist)} --outputFile={Q(temp.File("out"))} --configFile={Q(temp.File("full_quant.cfg"))}");
        AssertRecipe(Default with { ActBits = 8, Data = [$"Input3:{Images}"], CalibSize = 100, Method = CalibrationMethod.Kl, BiasCorrection = false }, t.Recipe);
        Assert.Equal(temp.File("out.onnx"), t.Output);
    }

    [Theory]
    [InlineData("--fmk=TF", "mindspore --fmk=TF: Ptq reads ONNX models")]
    [InlineData("--quantType=WeightQuant", "mindspore --quantType: the config's [common_quant_param] quant_type")]
    public void MindSpore_refuses_what_it_cannot_honour(string flags, string message)
    {
        var e = Assert.Throws<ToolFlagException>(() => Translate(SeedToolFrontEnd.MindSpore, $"{flags} --modelFile={Q(Mnist)} --outputFile=out --configFile=q.cfg"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    // ---- the front ends and the option table agree ----

    public static TheoryData<string> Tools => [.. SeedToolFrontEnd.All.Select(f => f.Command)];

    /// <summary>
    /// Every flag a migration table names for the tool is a flag of its front end, and every flag of the front end is
    /// spelled in the option table, has a counterpart (the model, the output), or is refused with a reason: the tables and
    /// the front end describe the same command line.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tools))]
    public void Front_end_and_option_table_agree(string command)
    {
        var frontEnd = SeedToolFrontEnd.All.Single(f => f.Command == command);
        var spelled = RecipeOptions.All.SelectMany(o => o.Spellings).Where(s => s.Tool == frontEnd.Tool).ToList();
        var mentioned = spelled.SelectMany(s => FlagMention().Matches(s.Name).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        var names = frontEnd.Flags.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        if (frontEnd.Tool != SeedTool.MindSporeLite) // MindSpore's table spells .cfg keys, read by MindSporeConfigReader
            Assert.Empty(mentioned.Except(names));
        foreach (var flag in frontEnd.Flags)
        {
            int ways = (mentioned.Contains(flag.Name) ? 1 : 0) + (flag.Counterpart is null ? 0 : 1) + (flag.Refusal is null ? 0 : 1);
            Assert.True(ways == 1, $"{command} {flag.Name}: spelled in the table, given a counterpart or refused — exactly one ({ways})");
        }
        // Every value a one-to-one map translates to parses with its option.
        foreach (var option in RecipeOptions.All)
            foreach (var map in option.Spellings.Where(s => s.Tool == frontEnd.Tool).SelectMany(s => s.Map))
                option.Apply(new RecipeBuilder(Default), [map.Value]);
    }

    private static ToolTranslation Translate(SeedToolFrontEnd frontEnd, string commandLine)
    {
        var options = new SeedToolOptions(frontEnd);
        var command = new Command(frontEnd.Command);
        options.AddTo(command);
        var parsed = command.Parse([.. CommandLineParser.SplitCommandLine(commandLine)]);
        Assert.Empty(parsed.Errors);
        return options.Translate(parsed);
    }

    private static void AssertRecipe(QuantizationRecipe expected, QuantizationRecipe actual) =>
        Assert.Equal(RecipeYamlWriter.Write(expected), RecipeYamlWriter.Write(actual));

    private static string Q(string path) => CliRun.Quote(path);

    [GeneratedRegex(@"(?<![\w-])--?[A-Za-z][\w-]*")]
    private static partial Regex FlagMention();
}
