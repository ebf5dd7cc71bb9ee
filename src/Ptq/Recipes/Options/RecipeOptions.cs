using System.Globalization;
using Ptq.Calibration;
using Ptq.Quantization;
using Ptq.Pipeline.Reconstruction;
using Tool = Ptq.Recipes.SeedTool;

namespace Ptq.Recipes;

/// <summary>
/// The one table of <c>ptq quantize</c>'s options: every option is declared here once, and the CLI flags, the recipe
/// readers and writer (keys in this order), <c>ptq recipe show</c>, help and docs/recipes.md are generated from it. The
/// option's meaning lives in its <see cref="QuantizationRecipe"/> property and where the pipeline uses it; every value
/// and combination is checked once, by <see cref="QuantizationRecipe.Validate"/>. Descriptions carry no defaults: help
/// renders them from <see cref="QuantizationRecipe.Default"/> (<see cref="RecipeOption.DefaultText"/>).
/// </summary>
internal static partial class RecipeOptions
{
    // Each entry below adds itself here as it is created; static initializers run in textual order, so this list must
    // come first and All keeps the declaration order without a second list to maintain.
    private static readonly List<RecipeOption> Declared = [];

    // ---- Input and data ----

    /// <summary><c>data</c>: calibration samples (<see cref="QuantizationRecipe.Data"/>).</summary>
    public static RecipeOption Data { get; } = Setting("data", OptionGroup.Data, Codecs.Texts, r => r.Data, (r, v) => r with { Data = v },
        "Samples: a folder or file (images, .npy/.npz, .bin, .txt, MNIST idx), or INPUT_NAME:PATH per model input.",
        new()
        {
            Placeholder = "SPEC", ReadsSamples = true,
            Spellings =
            [
                new(Tool.MindSporeLite, "[data_preprocess_param] calibrate_path", "name:dir,name:dir → one SPEC per input"),
                new(Tool.Bolt, "-d"), new(Tool.Tnn, "-i"),
                new(Tool.OnnxRuntime, "calibration_data_reader", "a CalibrationDataReader → files Ptq reads itself"),
            ],
        });

    /// <summary><c>stats</c>: statistics from <c>ptq calibrate</c> (<see cref="QuantizationRecipe.Stats"/>).</summary>
    public static RecipeOption Stats { get; } = Setting("stats", OptionGroup.Data, Codecs.Text, r => r.Stats, (r, v) => r with { Stats = v },
        "Statistics from 'ptq calibrate' (e.g. merged shards) to take ranges from instead of calibrating; --data then only supplies check samples.",
        new() { Placeholder = "STATS.json", Spellings = [new(Tool.Distiller, "--qe-stats-file", "Distiller's stats YAML: layer names → ONNX node names")] });

    /// <summary><c>calib-size</c>: the first N samples (<see cref="QuantizationRecipe.CalibSize"/>).</summary>
    public static RecipeOption CalibSize { get; } = Setting("calib-size", OptionGroup.Data, Codecs.Int.OrNull(), r => r.CalibSize, (r, v) => r with { CalibSize = v },
        "Use the first N samples (files are taken in sorted name order).",
        new()
        {
            UnsetMeans = () => "all",
            Spellings =
            [
                new(Tool.MindSporeLite, "[data_preprocess_param] calibrate_size"),
                new(Tool.Distiller, "--qe-calibration", "a fraction of the test set → a sample count"),
            ],
        });

    /// <summary><c>recursive</c>: read sub-folders too (<see cref="QuantizationRecipe.Recursive"/>).</summary>
    public static RecipeOption Recursive { get; } = Setting("recursive", OptionGroup.Data, Codecs.Bool, r => r.Recursive, (r, v) => r with { Recursive = v },
        "Also read files in sub-folders of a folder SPEC (sorted by relative path).", new() { ReadsSamples = true });

    /// <summary><c>skip-corrupt</c>: skip unreadable files (<see cref="QuantizationRecipe.SkipCorrupt"/>).</summary>
    public static RecipeOption SkipCorrupt { get; } = Setting("skip-corrupt", OptionGroup.Data, Codecs.Bool, r => r.SkipCorrupt, (r, v) => r with { SkipCorrupt = v },
        "Skip unreadable files (the count is reported) instead of failing.", new() { ReadsSamples = true });

    /// <summary><c>max-image-pixels</c>: the decompression-bomb limit (<see cref="QuantizationRecipe.MaxImagePixels"/>).</summary>
    public static RecipeOption MaxImagePixels { get; } = Setting("max-image-pixels", OptionGroup.Data, Codecs.Long, r => r.MaxImagePixels, (r, v) => r with { MaxImagePixels = v },
        "Refuse images whose header declares more than N pixels, before decoding them (decompression bombs; Pillow's limit unless raised).", new() { ReadsSamples = true });

    // ---- PREPROCESSING (image files) ----

    /// <summary><c>resize</c>: exact size.</summary>
    public static RecipeOption Resize { get; } = Preprocessing("resize", Codecs.Size.OrNull(), p => p.Resize, (b, v) => b.Resize = v,
        "Resize images to exactly W,H (the aspect ratio is not kept).",
        new() { Placeholder = "W,H", AcceptsNull = false, Spellings = [new(Tool.MindSporeLite, "resize_width + resize_height")] });

    /// <summary><c>resize-short</c>: short side.</summary>
    public static RecipeOption ResizeShort { get; } = Preprocessing("resize-short", Codecs.Int.OrNull(), p => p.ResizeShort, (b, v) => b.ResizeShort = v,
        "Resize the short side to S, keeping the aspect ratio (torchvision's Resize(S)).", new() { Placeholder = "S" });

    /// <summary><c>resize-method</c>: resampling filter.</summary>
    public static RecipeOption ResizeMethod { get; } = Preprocessing("resize-method", Codecs.ResizeMethods.OrNull(), p => p.ResizeMethod, (b, v) => b.ResizeMethod = v,
        "Resampling filter, as Pillow's.",
        new() { AcceptsNull = false, Spellings = [new(Tool.MindSporeLite, "resize_method", "LINEAR → linear, NEAREST → nearest, CUBIC → cubic")] });

    /// <summary><c>crop</c>: centre crop.</summary>
    public static RecipeOption Crop { get; } = Preprocessing("crop", Codecs.Size.OrNull(), p => p.Crop, (b, v) => b.Crop = v,
        "Centre-crop to W,H after resizing.",
        new() { Placeholder = "W,H", AcceptsNull = false, Spellings = [new(Tool.MindSporeLite, "center_crop_width + center_crop_height")] });

    /// <summary><c>color</c>: channel order.</summary>
    public static RecipeOption Color { get; } = Preprocessing("color", Codecs.Colors.OrNull(), p => p.Color, (b, v) => b.Color = v,
        "Channel order of the tensor (GRAY: one luminance channel).",
        new()
        {
            AcceptsNull = false,
            Spellings = [new(Tool.MindSporeLite, "image_to_format"), new(Tool.Bolt, "-f"), Mapped(Tool.Tnn, "-r", ("0", "RGB"), ("1", "BGR"))],
        });

    /// <summary><c>mean</c>: subtracted per channel.</summary>
    public static RecipeOption Mean { get; } = Preprocessing("mean", Codecs.Floats, p => p.Mean, (b, v) => b.Mean = v,
        "Per-channel mean subtracted from 0-255 pixels, in the tensor's channel order (one value: every channel).",
        new() { Placeholder = "A,B,C", Spellings = [new(Tool.MindSporeLite, "normalize_mean"), new(Tool.Tnn, "-n")] });

    /// <summary><c>std</c>: divisor after the mean.</summary>
    public static RecipeOption Std { get; } = Preprocessing("std", Codecs.Floats, p => p.Std, (b, v) => b.Std = v,
        "Per-channel divisor after the mean: (x-mean)/std. Not with --scale.",
        new() { Placeholder = "A,B,C", Spellings = [new(Tool.MindSporeLite, "normalize_std")] });

    /// <summary><c>scale</c>: factor after the mean.</summary>
    public static RecipeOption Scale { get; } = Preprocessing("scale", Codecs.Floats, p => p.Scale, (b, v) => b.Scale = v,
        "Per-channel factor after the mean: (x-mean)*scale. Not with --std.",
        new() { Placeholder = "A,B,C", Spellings = [new(Tool.Tnn, "-s")] });

    /// <summary><c>multiply</c>: factor applied last.</summary>
    public static RecipeOption Multiply { get; } = Preprocessing("multiply", Codecs.Float.OrNull(), p => p.Multiply, (b, v) => b.Multiply = v,
        "Factor applied last, after mean and std or scale.",
        new() { Placeholder = "FACTOR", AcceptsNull = false, Spellings = [new(Tool.Bolt, "-m")] });

    /// <summary><c>layout</c>: tensor layout.</summary>
    public static RecipeOption Layout { get; } = Preprocessing("layout", Codecs.Layouts.OrNull(), p => p.Layout, (b, v) => b.Layout = v,
        "Memory layout of the image tensor.", new() { AcceptsNull = false });

    // ---- Quantization ----

    /// <summary><c>mode</c> (<see cref="QuantizationRecipe.Mode"/>).</summary>
    public static RecipeOption Mode { get; } = Setting("mode", OptionGroup.Quantization, Codecs.Modes, r => r.Mode, (r, v) => r with { Mode = v },
        "What to quantize: weights and activations (full), weights only with float compute (weight-only), weights with activations quantized at run time (dynamic), or weights stored as float16 (fp16).",
        new()
        {
            Spellings =
            [
                new(Tool.MindSporeLite, "[common_quant_param] quant_type", "FULL_QUANT → full, WEIGHT_QUANT → weight-only, DYNAMIC_QUANT → dynamic"),
                new(Tool.Bolt, "-i / -o / -q", "-i INT8_FP16|INT8_FP32 → dynamic, or full with -o true or -s; -i FP32 with -q INT8|MIX → weight-only (MIX: the accuracy guard keeps the costliest layers float, their weights stored as float16), with -q FP16 → fp16"),
                Mapped(Tool.Distiller, "--qe-dynamic", ("given", "dynamic")),
                new(Tool.OnnxRuntime, "quantize_static / quantize_dynamic", "quantize_static → full, quantize_dynamic → dynamic"),
            ],
        });

    /// <summary><c>act-bits</c> (<see cref="QuantizationRecipe.ActBits"/>).</summary>
    public static RecipeOption ActBits { get; } = Setting("act-bits", OptionGroup.Quantization, Codecs.ActBits.OrNull(), r => r.ActBits, (r, v) => r with { ActBits = v },
        "Activation bits, 2-16; mixed: 8 bits, keeping float the activations that cost the output most until --target-cosine holds.",
        new()
        {
            UnsetMeans = () => Codecs.BitsName(QuantizationRecipe.DefaultBits),
            Spellings =
            [
                new(Tool.MindSporeLite, "[common_quant_param] bit_num", "FULL_QUANT: sets act-bits and weight-bits"),
                new(Tool.Distiller, "--qe-bits-acts", "0 (activations not quantized) → --mode weight-only"),
                new(Tool.OnnxRuntime, "activation_type", "QUInt8/QInt8 → 8, QUInt16/QInt16 → 16"),
            ],
        });

    /// <summary><c>weight-bits</c> (<see cref="QuantizationRecipe.WeightBits"/>).</summary>
    public static RecipeOption WeightBits { get; } = Setting("weight-bits", OptionGroup.Quantization, Codecs.WeightBits, r => r.WeightBits, (r, v) => r with { WeightBits = v },
        "Weight bits, 2-16; mixed: with --mode full 4 bits, raising the most sensitive layers to 8 until --target-cosine holds; with --mode weight-only each layer gets the fewest bits within the relative weight error of the recipe key mixed-init-scale, which --target-cosine searches (MindSpore's bit_num=0).",
        new()
        {
            Spellings =
            [
                new(Tool.MindSporeLite, "[common_quant_param] bit_num", "0 → mixed"),
                new(Tool.Distiller, "--qe-bits-wts"),
                new(Tool.OnnxRuntime, "weight_type", "QInt8/QUInt8 → 8, QInt4/QUInt4 → 4"),
            ],
        });

    /// <summary><c>edge-weight-bits</c> (<see cref="QuantizationRecipe.EdgeWeightBits"/>).</summary>
    public static RecipeOption EdgeWeightBits { get; } = Setting("edge-weight-bits", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.EdgeWeightBits,
        (r, v) => r with { EdgeWeightBits = v },
        "Weight bits of the first and last weighted layers (the Conv/Gemm/MatMul layers no other feeds, and those that feed none), e.g. 8 with --weight-bits 4, as published low-bit results keep them.",
        new() { Placeholder = "N", UnsetMeans = () => "--weight-bits" });

    /// <summary><c>act-mode</c> (<see cref="QuantizationRecipe.ActMode"/>).</summary>
    public static RecipeOption ActMode { get; } = Setting("act-mode", OptionGroup.Quantization, Codecs.QuantModes, r => r.ActMode, (r, v) => r with { ActMode = v },
        "Activation scheme: symmetric (sym), asymmetric unsigned (asym_u) or asymmetric signed (asym_s).",
        new()
        {
            Spellings =
            [
                new(Tool.Distiller, "--qe-mode-acts"),
                new(Tool.Distiller, "--qe-mode", "sets --qe-mode-acts and --qe-mode-wts"),
                new(Tool.OnnxRuntime, "extra_options ActivationSymmetric", "True → sym"),
            ],
        });

    /// <summary><c>weight-mode</c> (<see cref="QuantizationRecipe.WeightMode"/>).</summary>
    public static RecipeOption WeightMode { get; } = Setting("weight-mode", OptionGroup.Quantization, Codecs.QuantModes, r => r.WeightMode, (r, v) => r with { WeightMode = v },
        "Weight scheme: sym (narrow range, e.g. [-127, 127]), asym_u or asym_s.",
        new()
        {
            Spellings =
            [
                new(Tool.Distiller, "--qe-mode-wts"),
                new(Tool.Distiller, "--qe-mode", "sets --qe-mode-acts and --qe-mode-wts"),
                new(Tool.OnnxRuntime, "extra_options WeightSymmetric", "True → sym"),
            ],
        });

    /// <summary><c>granularity</c> (<see cref="QuantizationRecipe.Granularity"/>).</summary>
    public static RecipeOption Granularity { get; } = Setting("granularity", OptionGroup.Quantization, Codecs.Granularities, r => r.Granularity, (r, v) => r with { Granularity = v },
        "One scale per output channel of each weight, or per tensor; mix (TNN's name) is per-channel weights with per-tensor activations, the same as per-channel here.",
        new()
        {
            Spellings =
            [
                new(Tool.MindSporeLite, "per_channel", "true → per-channel, false → per-tensor"),
                Mapped(Tool.Tnn, "-t", ("0", "per-channel"), ("1", "mix"), ("2", "per-tensor")),
                Mapped(Tool.Distiller, "--qe-per-channel", ("given", "per-channel"), ("absent", "per-tensor")),
                new(Tool.OnnxRuntime, "per_channel", "True → per-channel, False → per-tensor"),
            ],
        });

    /// <summary><c>per-channel-acts</c> (<see cref="QuantizationRecipe.PerChannelActs"/>).</summary>
    public static RecipeOption PerChannelActs { get; } = Setting("per-channel-acts", OptionGroup.Quantization, Codecs.Bool, r => r.PerChannelActs, (r, v) => r with { PerChannelActs = v },
        "With --mode full, quantize every activation with one scale per channel (axis 1), within the range --method chose; ONNX Runtime then runs the layers reading them in float (its integer kernels take one input scale), TNN in int8.",
        new() { Spellings = [Mapped(Tool.Tnn, "-t", ("0", "true"), ("1", "false"), ("2", "false"))] });

    /// <summary><c>float-ops-fp16</c> (<see cref="QuantizationRecipe.FloatOpsFp16"/>).</summary>
    public static RecipeOption FloatOpsFp16 { get; } = Setting("float-ops-fp16", OptionGroup.Quantization, Codecs.Bool, r => r.FloatOpsFp16, (r, v) => r with { FloatOpsFp16 = v },
        "With --mode full, the operators left float compute in float16, with Casts in and out (those without a float16 kernel in ONNX Runtime stay float32).",
        new() { Spellings = [Mapped(Tool.Bolt, "-i", ("INT8_FP16", "true"), ("INT8_FP32", "false"), ("INT8", "false")) with { Values = "with -o true or -s (static int8): INT8_FP16 → true, INT8_FP32/INT8 → false" }] });

    /// <summary><c>float-weights-fp16</c> (<see cref="QuantizationRecipe.FloatWeightsFp16"/>).</summary>
    public static RecipeOption FloatWeightsFp16 { get; } = Setting("float-weights-fp16", OptionGroup.Quantization, Codecs.Bool, r => r.FloatWeightsFp16, (r, v) => r with { FloatWeightsFp16 = v },
        "Store the weights the quantization leaves float (skipped layers, layers the accuracy guard kept float) as float16, cast back to float32 where read.",
        new() { Spellings = [Mapped(Tool.Bolt, "-q", ("MIX", "true"), ("INT8", "false")) with { Values = "MIX → true (int8 weights, float16 for the layers the guard keeps float), INT8 → false" }] });

    /// <summary><c>method</c> (<see cref="QuantizationRecipe.Method"/>).</summary>
    public static RecipeOption Method { get; } = Setting("method", OptionGroup.Quantization, Codecs.Methods, r => r.Method, (r, v) => r with { Method = v },
        "How activation ranges are chosen from the statistics; lapq chooses all of them together for the output loss on --data samples (Powell's method from L_p clips).",
        new()
        {
            Placeholder = "ESTIMATOR",
            Spellings =
            [
                new(Tool.MindSporeLite, "activation_quant_method", "MAX_MIN → minmax, KL → kl, REMOVAL_OUTLIER → percentile"),
                new(Tool.Bolt, "-o true", "offline calibration → kl"),
                Mapped(Tool.Tnn, "-b", ("0", "minmax"), ("2", "kl")),
                Mapped(Tool.Distiller, "--qe-clip-acts", ("none", "minmax"), ("avg", "avg"), ("n_std", "nstd"), ("gauss", "aciq-gauss"), ("laplace", "aciq-laplace")),
                Mapped(Tool.Distiller, "--qe-lapq", ("given", "lapq")),
                new(Tool.OnnxRuntime, "calibrate_method", "MinMax → minmax, Entropy → kl, Percentile → percentile"),
            ],
        });

    /// <summary><c>percentile</c> (<see cref="QuantizationRecipe.Percentile"/>).</summary>
    public static RecipeOption Percentile { get; } = Setting("percentile", OptionGroup.Quantization, Codecs.Double, r => r.Percentile, (r, v) => r with { Percentile = v },
        "The percentile --method percentile keeps, in (50, 100].",
        new() { Placeholder = "P", Spellings = [new(Tool.OnnxRuntime, "extra_options CalibPercentile")] });

    /// <summary><c>n-std</c> (<see cref="QuantizationRecipe.NStd"/>), recipe only.</summary>
    public static RecipeOption NStd { get; } = Setting("n-std", OptionGroup.Quantization, Codecs.Double, r => r.NStd, (r, v) => r with { NStd = v },
        "Standard deviations around the mean --method nstd keeps; positive.",
        new() { Placeholder = "K", HasFlag = false, Spellings = [new(Tool.Distiller, "--qe-clip-n-stds")] });

    /// <summary><c>lapq-iterations</c> (<see cref="QuantizationRecipe.LapqIterations"/>).</summary>
    public static RecipeOption LapqIterations { get; } = Setting("lapq-iterations", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.LapqIterations, (r, v) => r with { LapqIterations = v },
        "--method lapq: sweeps of Powell's method over all clip values (0: the L_p start only).",
        new()
        {
            Placeholder = "N", UnsetMeans = () => Tuning.Lapq.LapqSettings.DefaultIterations.ToString(CultureInfo.InvariantCulture),
            Spellings = [new(Tool.Distiller, "--lapq-maxiter")],
        });

    /// <summary><c>lapq-max-evals</c> (<see cref="QuantizationRecipe.LapqMaxEvals"/>).</summary>
    public static RecipeOption LapqMaxEvals { get; } = Setting("lapq-max-evals", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.LapqMaxEvals, (r, v) => r with { LapqMaxEvals = v },
        "--method lapq: output losses the search may compute in all, the L_p start included.",
        new()
        {
            Placeholder = "N", UnsetMeans = () => "bounded by --lapq-iterations only",
            Spellings = [new(Tool.Distiller, "--lapq-maxfev")],
        });

    /// <summary><c>lapq-samples</c> (<see cref="QuantizationRecipe.LapqSamples"/>).</summary>
    public static RecipeOption LapqSamples { get; } = Setting("lapq-samples", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.LapqSamples, (r, v) => r with { LapqSamples = v },
        "--method lapq: --data samples (spread over the set, apart from the accuracy guard's) the output loss is measured on.",
        new()
        {
            Placeholder = "N", UnsetMeans = () => Tuning.Lapq.LapqSettings.DefaultSamples.ToString(CultureInfo.InvariantCulture),
            Spellings = [new(Tool.Distiller, "--lapq-eval-size", "fraction of the data → that many samples")],
        });

    /// <summary><c>lapq-init-p</c> (<see cref="QuantizationRecipe.LapqInitP"/>).</summary>
    public static RecipeOption LapqInitP { get; } = Setting("lapq-init-p", OptionGroup.Quantization, Codecs.Double.OrNull(), r => r.LapqInitP, (r, v) => r with { LapqInitP = v },
        "--method lapq: start from each activation's L_P-optimal clip for this P (at least 1).",
        new()
        {
            Placeholder = "P", UnsetMeans = () => "the best of 2, 2.5, 3, 3.5 and 4 by output loss",
            Spellings = [Mapped(Tool.Distiller, "--lapq-init-mode", ("L1", "1"), ("L2", "2"), ("L3", "3"))],
        });

    /// <summary><c>lapq-kl</c> (<see cref="QuantizationRecipe.LapqKl"/>).</summary>
    public static RecipeOption LapqKl { get; } = Setting("lapq-kl", OptionGroup.Quantization, Codecs.Bool, r => r.LapqKl, (r, v) => r with { LapqKl = v },
        "--method lapq: measure Softmax outputs by the KL divergence of their distributions (from the logits) instead of the squared error of the outputs.",
        new() { Placeholder = "true|false" });

    /// <summary><c>scale-approx-bits</c> (<see cref="QuantizationRecipe.ScaleApproxBits"/>).</summary>
    public static RecipeOption ScaleApproxBits { get; } = Setting("scale-approx-bits", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.ScaleApproxBits, (r, v) => r with { ScaleApproxBits = v },
        "Report each Conv/Gemm/MatMul's requantization scales as an N-bit integer multiplier and right shift, as integer-only runtimes apply them, with the error per layer.",
        new()
        {
            Placeholder = "N", UnsetMeans = () => "off",
            Spellings = [new(Tool.Distiller, "--qe-scale-approx-bits", "N → N, with --scale-approx-bake")],
        });

    /// <summary><c>scale-approx-bake</c> (<see cref="QuantizationRecipe.ScaleApproxBake"/>).</summary>
    public static RecipeOption ScaleApproxBake { get; } = Setting("scale-approx-bake", OptionGroup.Quantization, Codecs.Bool, r => r.ScaleApproxBake, (r, v) => r with { ScaleApproxBake = v },
        "Write the --scale-approx-bits scales into the model (weight scales and int32 biases), so it computes what the integer-only runtime would.",
        new() { Placeholder = "true|false" });

    /// <summary><c>weight-method</c> (<see cref="QuantizationRecipe.WeightMethod"/>).</summary>
    public static RecipeOption WeightMethod { get; } = Setting("weight-method", OptionGroup.Quantization, Codecs.WeightMethods.OrNull(), r => r.WeightMethod, (r, v) => r with { WeightMethod = v },
        "How weights are rounded: on the observed range (minmax), the least squared error (mse) or TNN's ADMM (admm); or reconstructed from the layer inputs of --data samples so that each layer's output stays close to float's: gptq (second-order error compensation, seconds) or adaround (learned rounding, a minute or more); with --block-size: round to nearest (minmax), a half-quadratic fit of each block's zero point (hqq), gptq on round-to-nearest block grids (with --act-order, grids fixed before rounding) or awq (input channels scaled by their activation size and block ranges clipped, both searched on --data).",
        new()
        {
            Placeholder = "METHOD",
            UnsetMeans = () => "gptq for --mode weight-only below 8 bits with --data, else minmax",
            Spellings =
            [
                Mapped(Tool.Tnn, "-w", ("0", "minmax"), ("1", "admm")),
                new(Tool.OnnxRuntime, "matmul_nbits_quantizer algo_config", "RTNWeightOnlyQuantConfig → minmax, HQQWeightOnlyQuantConfig → hqq, GPTQWeightOnlyQuantConfig → gptq"),
            ],
        });

    /// <summary><c>recon-samples</c> (<see cref="QuantizationRecipe.ReconSamples"/>).</summary>
    public static RecipeOption ReconSamples { get; } = Setting("recon-samples", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.ReconSamples, (r, v) => r with { ReconSamples = v },
        "gptq and adaround: how many --data samples (spread over the set) the layer inputs are taken from.",
        new() { Placeholder = "N", UnsetMeans = () => WeightReconstructionSettings.DefaultSamples.ToString(CultureInfo.InvariantCulture) });

    /// <summary><c>adaround-iterations</c> (<see cref="QuantizationRecipe.AdaroundIterations"/>).</summary>
    public static RecipeOption AdaroundIterations { get; } = Setting("adaround-iterations", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.AdaroundIterations,
        (r, v) => r with { AdaroundIterations = v },
        "adaround: optimisation steps per layer.",
        new() { Placeholder = "N", UnsetMeans = () => WeightReconstructionSettings.DefaultIterations.ToString(CultureInfo.InvariantCulture) });

    /// <summary><c>act-order</c> (<see cref="QuantizationRecipe.ActOrder"/>).</summary>
    public static RecipeOption ActOrder { get; } = Setting("act-order", OptionGroup.Quantization, Codecs.Bool.OrNull(), r => r.ActOrder, (r, v) => r with { ActOrder = v },
        "gptq: round the weights of the inputs with the largest energy first (GPTQ's act-order).",
        new() { Placeholder = "true|false", UnsetMeans = () => "true for gptq with --weight-bits mixed, else false" });

    /// <summary><c>block-size</c> (<see cref="QuantizationRecipe.BlockSize"/>).</summary>
    public static RecipeOption BlockSize { get; } = Setting("block-size", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.BlockSize, (r, v) => r with { BlockSize = v },
        "With --mode weight-only: MatMul/Gemm weights and Gather tables in blocks of this many values along the reduced axis, stored as ONNX Runtime's MatMulNBits / GatherBlockQuantized (2, 4 or 8 bits).",
        new()
        {
            Placeholder = "32|64|128", UnsetMeans = () => "none (per-channel weights)",
            Spellings = [new(Tool.OnnxRuntime, "matmul_nbits_quantizer block_size")],
        });

    /// <summary><c>accuracy-level</c> (<see cref="QuantizationRecipe.AccuracyLevel"/>).</summary>
    public static RecipeOption AccuracyLevel { get; } = Setting("accuracy-level", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.AccuracyLevel, (r, v) => r with { AccuracyLevel = v },
        "With --block-size: MatMulNBits' compute type for activations, 0 unset (float), 1 fp32, 2 fp16, 3 bf16, 4 int8.",
        new()
        {
            Placeholder = "0|1|2|3|4", UnsetMeans = () => "4",
            Spellings = [new(Tool.OnnxRuntime, "matmul_nbits_quantizer accuracy_level")],
        });

    /// <summary><c>embedding-bits</c> (<see cref="QuantizationRecipe.EmbeddingBits"/>).</summary>
    public static RecipeOption EmbeddingBits { get; } = Setting("embedding-bits", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.EmbeddingBits, (r, v) => r with { EmbeddingBits = v },
        "With --block-size: bits of embedding tables (Gather) and of output projections tied to them, 2, 4 or 8; an override naming their node wins.",
        new() { Placeholder = "2|4|8", UnsetMeans = () => "8" });

    /// <summary><c>smooth-quant</c> (<see cref="QuantizationRecipe.SmoothQuant"/>).</summary>
    public static RecipeOption SmoothQuant { get; } = Setting("smooth-quant", OptionGroup.Quantization, Codecs.SmoothQuantAlpha.OrNull(), r => r.SmoothQuant, (r, v) => r with { SmoothQuant = v },
        "SmoothQuant with migration strength ALPHA in [0, 1] (full and dynamic modes, needs --data): divide each MatMul/Gemm input channel by max|X|^ALPHA / max|W|^(1-ALPHA), scale the weights by it and fold the division into the preceding LayerNormalization or linear layer. auto: per activation, the ALPHA of 0.1-0.9 (or none) whose readers' quantized output is closest to float on calibration samples.",
        new()
        {
            Placeholder = "ALPHA|auto", UnsetMeans = () => "off",
            Spellings = [new(Tool.OnnxRuntime, "extra_options SmoothQuant / SmoothQuantAlpha", "SmoothQuant True with SmoothQuantAlpha A → A")],
        });

    /// <summary><c>bias-correction</c> (<see cref="QuantizationRecipe.BiasCorrection"/>).</summary>
    public static RecipeOption BiasCorrection { get; } = Setting("bias-correction", OptionGroup.Quantization, Codecs.Bool, r => r.BiasCorrection, (r, v) => r with { BiasCorrection = v },
        "Correct Conv/Gemm biases for the mean shift that weight rounding causes.",
        new() { Placeholder = "true|false", AcceptsNull = true, Spellings = [new(Tool.MindSporeLite, "bias_correction")] });

    /// <summary><c>empirical-bias-correction</c> (<see cref="QuantizationRecipe.EmpiricalBiasCorrection"/>), recipe only.</summary>
    public static RecipeOption EmpiricalBiasCorrection { get; } = Setting("empirical-bias-correction", OptionGroup.Quantization, Codecs.Bool,
        r => r.EmpiricalBiasCorrection, (r, v) => r with { EmpiricalBiasCorrection = v },
        "After the rewrite, also take off each quantized Conv/Gemm bias the output shift measured against float on the samples (activation rounding included).",
        new() { HasFlag = false });

    /// <summary><c>cle</c> (<see cref="QuantizationRecipe.Cle"/>).</summary>
    public static RecipeOption Cle { get; } = Setting("cle", OptionGroup.Quantization, Codecs.Bool, r => r.Cle, (r, v) => r with { Cle = v },
        "Cross-layer equalization of Conv [Relu] Conv pairs before quantizing.");

    /// <summary><c>fold-bn</c> (<see cref="QuantizationRecipe.FoldBn"/>).</summary>
    public static RecipeOption FoldBn { get; } = Setting("fold-bn", OptionGroup.Quantization, Codecs.Bool, r => r.FoldBn, (r, v) => r with { FoldBn = v },
        "Fold BatchNormalization into the Conv/Gemm before it.",
        new() { Placeholder = "true|false", Spellings = [new(Tool.Bolt, "-b")] });

    /// <summary><c>clip</c> (<see cref="QuantizationRecipe.Clip"/>).</summary>
    public static RecipeOption Clip { get; } = Setting("clip", OptionGroup.Quantization, Codecs.Double.OrNull(), r => r.Clip, (r, v) => r with { Clip = v },
        "Clip every Conv/Gemm/MatMul input to [-V, V].", new() { Placeholder = "V", Spellings = [new(Tool.Bolt, "-c")] });

    /// <summary><c>clip-table</c> (<see cref="QuantizationRecipe.ClipTable"/>).</summary>
    public static RecipeOption ClipTable { get; } = Setting("clip-table", OptionGroup.Quantization, Codecs.Text, r => r.ClipTable, (r, v) => r with { ClipTable = v },
        "Per-tensor clip values (scale = clip/127): Bolt's JSON clip table, a text table of 'tensor clip' lines, or a folder of text tables.",
        new() { Placeholder = "FILE|DIR", Spellings = [new(Tool.Bolt, "-s")] });

    /// <summary><c>net-aware-clip</c> (<see cref="QuantizationRecipe.NetAwareClip"/>), recipe only.</summary>
    public static RecipeOption NetAwareClip { get; } = Setting("net-aware-clip", OptionGroup.Quantization, Codecs.Bool, r => r.NetAwareClip, (r, v) => r with { NetAwareClip = v },
        "Cut Tanh inputs to [-4, 4] and Sigmoid inputs to [-6, 6] (Distiller's net-aware quantization), and start an activation's range where its readers (Relu, Clip, hard-swish, also behind scalar Mul/Add) stop telling values apart.", new() { HasFlag = false });

    /// <summary><c>concat-shared-scale</c> (<see cref="QuantizationRecipe.ConcatSharedScale"/>), recipe only.</summary>
    public static RecipeOption ConcatSharedScale { get; } = Setting("concat-shared-scale", OptionGroup.Quantization, Codecs.Bool,
        r => r.ConcatSharedScale, (r, v) => r with { ConcatSharedScale = v },
        "Concat inputs reuse the output's scale instead of being requantized.", new() { HasFlag = false });

    /// <summary><c>no-clip</c> (<see cref="QuantizationRecipe.NoClip"/>), recipe only.</summary>
    public static RecipeOption NoClip { get; } = Setting("no-clip", OptionGroup.Quantization, Codecs.Texts, r => r.NoClip, (r, v) => r with { NoClip = v },
        "Nodes (names or regular expressions) whose outputs keep their full min/max range, whatever --method says.",
        new() { Placeholder = "NAME_OR_REGEX", HasFlag = false, Spellings = [new(Tool.Distiller, "--qe-no-clip-layers")] });

    /// <summary><c>skip</c> (<see cref="QuantizationRecipe.Skip"/>).</summary>
    public static RecipeOption Skip { get; } = Setting("skip", OptionGroup.Quantization, Codecs.Texts, r => r.Skip, (r, v) => r with { Skip = v },
        "Nodes to leave float, by exact name or anchored regular expression.",
        new()
        {
            Placeholder = "NAME_OR_REGEX",
            Spellings =
            [
                new(Tool.MindSporeLite, "skip_quant_node", "comma-separated names"),
                new(Tool.Distiller, "--qe-no-quant-layers"),
                new(Tool.OnnxRuntime, "nodes_to_exclude"),
            ],
        });

    /// <summary><c>skip-op</c> (<see cref="QuantizationRecipe.SkipOp"/>).</summary>
    public static RecipeOption SkipOp { get; } = Setting("skip-op", OptionGroup.Quantization, Codecs.Texts, r => r.SkipOp, (r, v) => r with { SkipOp = v },
        "Op types to leave float, e.g. Softmax.",
        new() { Placeholder = "TYPE" });

    // ---- ONNX Runtime allow-lists (issue #13) ----

    /// <summary><c>only</c> (<see cref="QuantizationRecipe.Only"/>).</summary>
    public static RecipeOption Only { get; } = Setting("only", OptionGroup.Quantization, Codecs.Texts, r => r.Only, (r, v) => r with { Only = v },
        "Allow-list: quantize only these nodes (exact name or anchored regular expression); every other node stays float.",
        new() { Placeholder = "NAME_OR_REGEX", Spellings = [new(Tool.OnnxRuntime, "nodes_to_quantize")] });

    /// <summary><c>only-op</c> (<see cref="QuantizationRecipe.OnlyOp"/>).</summary>
    public static RecipeOption OnlyOp { get; } = Setting("only-op", OptionGroup.Quantization, Codecs.Texts, r => r.OnlyOp, (r, v) => r with { OnlyOp = v },
        "Allow-list: quantize only nodes of these op types, e.g. Conv MatMul; every other node stays float.",
        new() { Placeholder = "TYPE", Spellings = [new(Tool.OnnxRuntime, "op_types_to_quantize")] });

    /// <summary><c>reduce-range</c> (<see cref="QuantizationRecipe.ReduceRange"/>).</summary>
    public static RecipeOption ReduceRange { get; } = Setting("reduce-range", OptionGroup.Quantization, Codecs.Bool, r => r.ReduceRange, (r, v) => r with { ReduceRange = v },
        "Weights use one bit less (for CPUs without VNNI).", new() { Spellings = [new(Tool.OnnxRuntime, "reduce_range")] });

    /// <summary><c>min-weight-size</c> (<see cref="QuantizationRecipe.MinWeightSize"/>), recipe only.</summary>
    public static RecipeOption MinWeightSize { get; } = Setting("min-weight-size", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.MinWeightSize, (r, v) => r with { MinWeightSize = v },
        "With --mode weight-only, quantize only weights with more than N elements.",
        new()
        {
            HasFlag = false, NotYet = r => r.MinWeightSize is not null && r.Mode != QuantizationMode.WeightOnly,
            Spellings = [new(Tool.MindSporeLite, "[common_quant_param] min_quant_weight_size")],
        });

    /// <summary><c>min-weight-channels</c> (<see cref="QuantizationRecipe.MinWeightChannels"/>), recipe only.</summary>
    public static RecipeOption MinWeightChannels { get; } = Setting("min-weight-channels", OptionGroup.Quantization, Codecs.Int.OrNull(),
        r => r.MinWeightChannels, (r, v) => r with { MinWeightChannels = v },
        "With --mode weight-only, quantize only weights with more than N channels.",
        new()
        {
            HasFlag = false, NotYet = r => r.MinWeightChannels is not null && r.Mode != QuantizationMode.WeightOnly,
            Spellings = [new(Tool.MindSporeLite, "[common_quant_param] min_quant_weight_channel")],
        });

    /// <summary><c>overrides</c> (<see cref="QuantizationRecipe.Overrides"/>), recipe only: a mapping the readers bind themselves.</summary>
    public static RecipeOption Overrides { get; } = Mapping("overrides", OptionGroup.Quantization,
        "Per-layer settings (act-bits, weight-bits, act-mode, weight-mode, method, skip) by node name or regular expression, e.g. {\"conv.*\": {weight-bits: 4}}; for each setting the first matching entry wins.",
        new()
        {
            Placeholder = "MAPPING",
            Spellings = [new(Tool.Distiller, "overrides (YAML config)")],
        });

    /// <summary><c>histogram-bins</c> (<see cref="QuantizationRecipe.HistogramBins"/>).</summary>
    public static RecipeOption HistogramBins { get; } = Setting("histogram-bins", OptionGroup.Quantization, Codecs.Int.OrNull(), r => r.HistogramBins, (r, v) => r with { HistogramBins = v },
        "Bins of the activation histograms --method kl, percentile and mse choose ranges from (power-of-two bin edges around zero), even.",
        new() { Placeholder = "N", UnsetMeans = () => "8192", Spellings = [new(Tool.OnnxRuntime, "num_bins", "create_calibrator / HistogramCalibrater option; num_quantized_bins has no counterpart (the grid is the scheme's)")] });

    /// <summary><c>ema-constant</c> (<see cref="QuantizationRecipe.EmaConstant"/>).</summary>
    public static RecipeOption EmaConstant { get; } = Setting("ema-constant", OptionGroup.Quantization, Codecs.Double.OrNull(), r => r.EmaConstant, (r, v) => r with { EmaConstant = v },
        "--method ema: how far each batch moves the moving average of per-batch ranges, in (0, 1].",
        new() { Placeholder = "C", UnsetMeans = () => "0.1", Spellings = [new(Tool.OnnxRuntime, "extra_options CalibMovingAverageConstant", "with CalibMovingAverage=True (→ --method ema)")] });

    /// <summary><c>min-real-range</c> (<see cref="QuantizationRecipe.MinRealRange"/>).</summary>
    public static RecipeOption MinRealRange { get; } = Setting("min-real-range", OptionGroup.Quantization, Codecs.Double.OrNull(), r => r.MinRealRange, (r, v) => r with { MinRealRange = v },
        "Widen activation ranges narrower than R to R (max = min + R), so that no scale is tinier than R over the code range.",
        new() { Placeholder = "R", UnsetMeans = () => "none", Spellings = [new(Tool.OnnxRuntime, "extra_options MinimumRealRange")] });

    /// <summary><c>weight-qdq-pair</c> (<see cref="QuantizationRecipe.WeightQdqPair"/>).</summary>
    public static RecipeOption WeightQdqPair { get; } = Setting("weight-qdq-pair", OptionGroup.Quantization, Codecs.Bool, r => r.WeightQdqPair, (r, v) => r with { WeightQdqPair = v },
        "Store weights as float (their rounded values) behind a QuantizeLinear → DequantizeLinear pair instead of as integers: the same codes, a float-sized file.",
        new() { Spellings = [new(Tool.OnnxRuntime, "extra_options AddQDQPairToWeight")] });

    /// <summary><c>dedicated-qdq-pair</c> (<see cref="QuantizationRecipe.DedicatedQdqPair"/>).</summary>
    public static RecipeOption DedicatedQdqPair { get; } = Setting("dedicated-qdq-pair", OptionGroup.Quantization, Codecs.Bool, r => r.DedicatedQdqPair, (r, v) => r with { DedicatedQdqPair = v },
        "Give each reader of an activation its own QuantizeLinear → DequantizeLinear pair instead of one shared pair.",
        new() { Spellings = [new(Tool.OnnxRuntime, "extra_options DedicatedQDQPair")] });

    /// <summary><c>quantize-bias</c> (<see cref="QuantizationRecipe.QuantizeBias"/>).</summary>
    public static RecipeOption QuantizeBias { get; } = Setting("quantize-bias", OptionGroup.Quantization, Codecs.Bool, r => r.QuantizeBias, (r, v) => r with { QuantizeBias = v },
        "Store Conv/Gemm biases as int32 (scale = input scale × weight scale); false keeps them float, and ONNX Runtime then runs those layers in float between the Q/DQ pairs.",
        new() { Placeholder = "true|false", Spellings = [new(Tool.OnnxRuntime, "extra_options QuantizeBias")] });

    /// <summary><c>quantize-weights</c> (<see cref="QuantizationRecipe.QuantizeWeights"/>).</summary>
    public static RecipeOption QuantizeWeights { get; } = Setting("quantize-weights", OptionGroup.Quantization, Codecs.Bool, r => r.QuantizeWeights, (r, v) => r with { QuantizeWeights = v },
        "Store weights as integers; false keeps weights and biases float and quantizes activations only (simulation: ONNX Runtime has no integer kernel for float weights).",
        new() { Placeholder = "true|false", Spellings = [new(Tool.Distiller, "--qe-bits-wts 0", "weights (and biases) not quantized → false")] });

    /// <summary><c>tensor-overrides</c> (<see cref="QuantizationRecipe.TensorOverrides"/>).</summary>
    public static RecipeOption TensorOverrides { get; } = Setting("tensor-overrides", OptionGroup.Quantization, Codecs.Text, r => r.TensorOverrides,
        (r, v) => r with { TensorOverrides = v },
        "JSON file fixing activations by tensor name, as ONNX Runtime's TensorQuantOverrides: {\"t\": [{\"scale\": S, \"zero_point\": Z}]} or {\"t\": [{\"rmin\": A, \"rmax\": B}]} instead of the calibrated range.",
        new() { Placeholder = "FILE.json", Spellings = [new(Tool.OnnxRuntime, "extra_options TensorQuantOverrides", "per-tensor scale/zero_point or rmin/rmax; per node: overrides")] });

    // ---- Search and accuracy ----

    /// <summary><c>target-cosine</c> (<see cref="QuantizationRecipe.TargetCosine"/>).</summary>
    public static RecipeOption TargetCosine { get; } = Setting("target-cosine", OptionGroup.Search, Codecs.Double.OrNull(), r => r.TargetCosine, (r, v) => r with { TargetCosine = v },
        "Output cosine against float to reach, in (0, 1]: the most sensitive layers go back to float until it holds (mixed bits aim at "
        + Codecs.Number(QuantizationRecipe.DefaultMixedTargetCosine) + " unless told).",
        new()
        {
            Placeholder = "C", NotYet = r => r.TargetCosine is not null && r.Mode != QuantizationMode.Full && !(r.Mode == QuantizationMode.WeightOnly && r.IsMixedWeightBits),
            Spellings = [new(Tool.MindSporeLite, "[mixed_bit_weight_quant_param] auto_tune", "true (WEIGHT_QUANT, bit_num=0) → " + Codecs.Number(QuantizationRecipe.DefaultMixedTargetCosine) + ": searches init_scale")],
        });

    /// <summary><c>accuracy-guard</c> (<see cref="QuantizationRecipe.AccuracyGuard"/>).</summary>
    public static RecipeOption AccuracyGuard { get; } = Setting("accuracy-guard", OptionGroup.Search, Codecs.AccuracyGuard.OrNull(), r => r.AccuracyGuard, (r, v) => r with { AccuracyGuard = v },
        string.Create(CultureInfo.InvariantCulture,
            $"With --data, compare the output with float on {RecipeQuantizer.CheckSamples} samples; below cosine C keep the costliest activations or layers float until it holds, else exit 1. off: accept any result."),
        new() { UnsetMeans = () => Codecs.Number(Tuning.AccuracyGuard.DefaultCosine) });

    /// <summary><c>max-drop</c> (<see cref="QuantizationRecipe.MaxDrop"/>): not implemented yet.</summary>
    public static RecipeOption MaxDrop { get; } = Setting("max-drop", OptionGroup.Search, Codecs.Double.OrNull(), r => r.MaxDrop, (r, v) => r with { MaxDrop = v },
        "Accuracy points the result may lose against float.", new() { Placeholder = "POINTS", Implemented = false });

    /// <summary><c>mixed-init-scale</c> (<see cref="QuantizationRecipe.MixedInitScale"/>), recipe only.</summary>
    public static RecipeOption MixedInitScale { get; } = Setting("mixed-init-scale", OptionGroup.Search, Codecs.Double.OrNull(),
        r => r.MixedInitScale, (r, v) => r with { MixedInitScale = v },
        "With --mode weight-only and --weight-bits mixed: the relative error, in (0, 1), each layer's weights may have; each layer gets the fewest bits within it.",
        new()
        {
            Placeholder = "S", HasFlag = false, UnsetMeans = () => Codecs.Number(QuantizationRecipe.DefaultMixedInitScale),
            Spellings = [new(Tool.MindSporeLite, "[mixed_bit_weight_quant_param] init_scale")],
        });

    // ---- Output (issue #13: ONNX Runtime's quant_format) ----

    /// <summary><c>format</c> (<see cref="QuantizationRecipe.Format"/>).</summary>
    public static RecipeOption Format { get; } = Setting("format", OptionGroup.Output, Codecs.Formats, r => r.Format, (r, v) => r with { Format = v },
        "How the model is written: QuantizeLinear/DequantizeLinear around float operators (qdq; ONNX Runtime fuses them), or integer operators (qoperator: QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinearConcat …, converted from the verified QDQ model; ops without an integer kernel stay in QDQ form). --mode full only.",
        new() { Spellings = [new(Tool.OnnxRuntime, "quant_format", "QuantFormat.QDQ → qdq, QuantFormat.QOperator → qoperator")] });

    /// <summary><c>debug-dir</c> (<see cref="QuantizationRecipe.DebugDir"/>).</summary>
    public static RecipeOption DebugDir { get; } = Setting("debug-dir", OptionGroup.Output, Codecs.Text, r => r.DebugDir, (r, v) => r with { DebugDir = v },
        "After saving, write MindSpore's debug files into DIR: debug_stats.csv (float and dequantized statistics per tensor, on the first samples of --data; weights only without it) and quant_param.csv in MindSpore's columns.",
        new() { Placeholder = "DIR", Spellings = [new(Tool.MindSporeLite, "[common_quant_param] debug_info_save_path")] });

    /// <summary>Every option, in declaration order: the order help lists them and recipes are written (grouped by <see cref="RecipeOption.Group"/>).</summary>
    public static IReadOnlyList<RecipeOption> All { get; } = Declared.AsReadOnly();

    private static readonly Dictionary<string, RecipeOption> ByKey = All.ToDictionary(o => o.Key, StringComparer.Ordinal);

    /// <summary>The option with recipe key <paramref name="key"/> (exact, lower case), or null.</summary>
    public static RecipeOption? Find(string key) => ByKey.GetValueOrDefault(key ?? throw new ArgumentNullException(nameof(key)));
}
