using Ptq.Calibration;
using Ptq.Data;
using Ptq.Quantization;

namespace Ptq.Recipes;

/// <summary>
/// Everything <c>ptq quantize</c> can be told (DESIGN.md §6), as one immutable value: built from defaults, a recipe file
/// (<see cref="RecipeFile"/>) and flags on top (<c>recipe with { ... }</c>, or <see cref="RecipeOption.Apply"/>), checked
/// once by <see cref="Validate"/>, then mapped onto the pipeline by <see cref="ToStaticSettings"/>,
/// <see cref="ToCalibrationSettings"/> and <see cref="ToSourceOptions"/>. Options the pipeline cannot honour yet are
/// listed by <see cref="UnsupportedFeatures"/>. Each property's key, flag, value spellings and help are declared once in
/// <see cref="RecipeOptions"/>; the property says what it means and its default. Equality compares lists and
/// preprocessing by value.
/// </summary>
public sealed partial record QuantizationRecipe
{
    /// <summary>Default bit width of activations and weights.</summary>
    public const int DefaultBits = 8;

    /// <summary>
    /// The <see cref="WeightBits"/> and <see cref="ActBits"/> value meaning <c>mixed</c> (per-layer bit widths found by
    /// search; MindSpore's <c>bit_num=0</c> for weights).
    /// </summary>
    public const int MixedBits = 0;

    /// <summary>The output cosine the mixed-bit searches aim at when <see cref="TargetCosine"/> is not given (MindSpore's auto_tune).</summary>
    public const double DefaultMixedTargetCosine = MindSporeConfigReader.AutoTuneCosine;

    /// <summary>MindSpore's default <c>init_scale</c>: the relative weight error of the weight-only mixed-bit allocation.</summary>
    public const double DefaultMixedInitScale = 0.02;

    /// <summary>The <see cref="SmoothQuant"/> value meaning <c>auto</c>: α searched per activation against its readers' output.</summary>
    public const double SmoothQuantAuto = -1;

    /// <summary>SmoothQuant's usual α, which <c>auto</c> falls back to where no samples are measured.</summary>
    public const double DefaultSmoothQuantAlpha = 0.5;

    /// <summary>The <see cref="AccuracyGuard"/> value meaning <c>off</c>.</summary>
    public const double AccuracyGuardOff = 0;

    /// <summary>The recipe with every default.</summary>
    public static QuantizationRecipe Default { get; } = new();

    /// <summary><c>--mode full|weight-only|dynamic|fp16</c>. Default <see cref="QuantizationMode.Full"/>.</summary>
    public QuantizationMode Mode { get; init; } = QuantizationMode.Full;

    /// <summary>
    /// <c>--act-bits N|mixed</c>: 2–16, or <see cref="MixedBits"/> (8 bits, the activations that cost the output most
    /// kept float until <see cref="EffectiveTargetCosine"/> holds; full mode only). Null (default) means
    /// <see cref="DefaultBits"/> where activations are quantized; must stay null for weight-only and fp16.
    /// </summary>
    public int? ActBits { get; init; }

    /// <summary><c>--weight-bits N|mixed</c>: 2–16, or <see cref="MixedBits"/>. Default 8.</summary>
    public int WeightBits { get; init; } = DefaultBits;

    /// <summary><c>--act-mode sym|asym_u|asym_s</c>. Default asym_u.</summary>
    public QuantMode ActMode { get; init; } = QuantMode.AsymmetricUnsigned;

    /// <summary><c>--weight-mode sym|asym_u|asym_s</c>. Default sym (narrow range, e.g. [-127, 127]).</summary>
    public QuantMode WeightMode { get; init; } = QuantMode.Symmetric;

    /// <summary><c>--granularity per-channel|per-tensor|mix</c>. Default per-channel.</summary>
    public Granularity Granularity { get; init; } = Granularity.PerChannel;

    /// <summary>
    /// <c>--per-channel-acts</c> (TNN's <c>-t 0</c>): with <see cref="QuantizationMode.Full"/>, every activation is
    /// quantized with one scale per channel (axis 1) instead of one per tensor
    /// (<see cref="Pipeline.PerChannelActivations"/>). ONNX Runtime runs the operators reading them in float (its integer
    /// kernels take a scalar input scale). Default off.
    /// </summary>
    public bool PerChannelActs { get; init; }

    /// <summary>
    /// <c>--float-ops-fp16</c> (Bolt's <c>-i INT8_FP16</c>): with <see cref="QuantizationMode.Full"/>, the operators
    /// left float compute in float16, with Casts in and out
    /// (<see cref="Pipeline.Fp16FloatOps"/>). Default off (they compute in float32, Bolt's INT8_FP32).
    /// </summary>
    public bool FloatOpsFp16 { get; init; }

    /// <summary>
    /// <c>--float-weights-fp16</c> (Bolt's <c>-q MIX</c>): the weights a quantization leaves float (skipped layers, the
    /// layers the accuracy guard kept float) are stored as float16 and cast back to float32 where they are read
    /// (<see cref="Pipeline.Fp16StorageConverter"/>). Default off.
    /// </summary>
    public bool FloatWeightsFp16 { get; init; }

    /// <summary>
    /// <c>--format qdq|qoperator</c>: how the model is written. Default qdq; qoperator (full mode only) converts the
    /// verified QDQ model into integer operators.
    /// </summary>
    public OutputFormat Format { get; init; } = OutputFormat.Qdq;

    /// <summary>
    /// <c>--debug-dir DIR</c> (MindSpore <c>debug_info_save_path</c>): after the model is saved, write MindSpore's debug
    /// files into DIR: per-tensor statistics of the float and the quantized model (<c>debug_stats.csv</c>, MindSpore's
    /// columns) and the quantization parameters (<c>quant_param.csv</c>, MindSpore's columns). Default none.
    /// </summary>
    public string? DebugDir { get; init; }

    /// <summary><c>--method</c>: activation range estimator. Default mse.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Mse;

    /// <summary><c>--percentile P</c> for <see cref="CalibrationMethod.Percentile"/>, in (50, 100]. Default 99.99.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Recipe key <c>n-std</c>: standard deviations for <see cref="CalibrationMethod.NStd"/>, positive. Default 3.</summary>
    public double NStd { get; init; } = 3;

    /// <summary><c>--lapq-iterations N</c> (≥ 0): sweeps of Powell's method for <see cref="CalibrationMethod.Lapq"/>. Null: <see cref="Tuning.Lapq.LapqSettings.DefaultIterations"/>.</summary>
    public int? LapqIterations { get; init; }

    /// <summary><c>--lapq-max-evals N</c> (positive): output losses LAPQ may compute in all. Null: bounded by the sweeps only.</summary>
    public int? LapqMaxEvals { get; init; }

    /// <summary><c>--lapq-samples N</c> (positive): calibration samples LAPQ measures the output loss on. Null: <see cref="Tuning.Lapq.LapqSettings.DefaultSamples"/>.</summary>
    public int? LapqSamples { get; init; }

    /// <summary><c>--lapq-init-p P</c> (≥ 1): the p of the L_p clips LAPQ starts from. Null: the best of 2, 2.5, 3, 3.5 and 4 by output loss.</summary>
    public double? LapqInitP { get; init; }

    /// <summary>
    /// <c>--lapq-kl</c>: LAPQ's output loss for Softmax outputs is the KL divergence of float's distribution to the
    /// quantized one, from the logits (the label-free cross-entropy), instead of the squared error of the outputs. Default off.
    /// </summary>
    public bool LapqKl { get; init; }

    /// <summary>
    /// <c>--scale-approx-bits N</c> (2 to 31): report each requantizing layer's scales approximated as an N-bit integer
    /// multiplier and a right shift, as integer-only runtimes apply them (Distiller's <c>--qe-scale-approx-bits</c>). Null: off.
    /// </summary>
    public int? ScaleApproxBits { get; init; }

    /// <summary><c>--scale-approx-bake</c>: write the approximated scales into the model (weight scales and biases), so it computes what the integer-only runtime would. Default off.</summary>
    public bool ScaleApproxBake { get; init; }

    /// <summary>
    /// <c>--weight-method minmax|mse|admm|gptq|adaround|hqq</c>. Null (default) means <see cref="EffectiveWeightMethod"/>:
    /// GPTQ for per-channel weight-only quantization below 8 bits with --data, else minmax (with <see cref="BlockSize"/>: round to nearest;
    /// gptq there must be asked for).
    /// </summary>
    public WeightMethod? WeightMethod { get; init; }

    /// <summary>
    /// <c>--edge-weight-bits N</c> (2–16): weight bits of the first and last weighted layers (<see cref="Pipeline.EdgeLayers"/>),
    /// e.g. 8 with 4-bit weights elsewhere, as published low-bit results do. Null: <see cref="WeightBits"/>. Overrides naming a layer win.
    /// </summary>
    public int? EdgeWeightBits { get; init; }

    /// <summary><c>--recon-samples N</c> (positive): calibration samples GPTQ and AdaRound reconstruct from. Null: <see cref="Pipeline.Reconstruction.WeightReconstructionSettings.DefaultSamples"/>.</summary>
    public int? ReconSamples { get; init; }

    /// <summary><c>--adaround-iterations N</c> (positive): AdaRound's optimisation steps per layer. Null: <see cref="Pipeline.Reconstruction.WeightReconstructionSettings.DefaultIterations"/>.</summary>
    public int? AdaroundIterations { get; init; }

    /// <summary><c>--act-order true|false</c>: GPTQ rounds the columns of largest input energy first. Null: on for gptq with <c>--weight-bits mixed</c> (the search keeps more layers at 4 bits), else the default of <see cref="Pipeline.Reconstruction.WeightReconstructionSettings.ActOrder"/> (off).</summary>
    public bool? ActOrder { get; init; }

    /// <summary>The weight method in effect with the recipe's own <see cref="Data"/>: <see cref="WeightMethodFor"/>.</summary>
    public WeightMethod EffectiveWeightMethod => WeightMethodFor(hasData: Data.Count > 0);

    /// <summary>
    /// The weight method in effect when calibration samples are (<paramref name="hasData"/>) or are not given:
    /// <see cref="WeightMethod"/>, else GPTQ for weight-only quantization below 8 bits with data (measured: see
    /// bench/README.md), else minmax.
    /// </summary>
    public WeightMethod WeightMethodFor(bool hasData) => WeightMethod
        ?? (Mode == QuantizationMode.WeightOnly && BlockSize is null && hasData && !IsMixedWeightBits && WeightBits < DefaultBits ? Quantization.WeightMethod.Gptq : Quantization.WeightMethod.MinMax);

    /// <summary>True when <see cref="EffectiveWeightMethod"/> reconstructs codes from calibration samples (GPTQ, AdaRound).</summary>
    public bool ReconstructsWeights => EffectiveWeightMethod is Quantization.WeightMethod.Gptq or Quantization.WeightMethod.AdaRound;

    /// <summary>
    /// <c>--block-size 32|64|128</c> (weight-only): quantize MatMul/Gemm weights and Gather tables in blocks of this many
    /// values along the reduced axis, stored as ONNX Runtime's com.microsoft MatMulNBits / GatherBlockQuantized (2, 4 or
    /// 8 bits; a power of two, at least 16). Default none (per-channel weights behind DequantizeLinear).
    /// </summary>
    public int? BlockSize { get; init; }

    /// <summary>
    /// <c>--accuracy-level 0|1|2|3|4</c> (with <see cref="BlockSize"/>): MatMulNBits' compute type for activations, 0 unset
    /// (float), 1 fp32, 2 fp16, 3 bf16, 4 int8. Default 4.
    /// </summary>
    public int? AccuracyLevel { get; init; }

    /// <summary>
    /// <c>--embedding-bits 2|4|8</c> (with <see cref="BlockSize"/>): bits of embedding tables (Gather) and of output
    /// projections tied to them; an override naming their node wins. Default 8.
    /// </summary>
    public int? EmbeddingBits { get; init; }

    /// <summary>
    /// <c>--smooth-quant ALPHA</c> (full and dynamic modes, with --data): SmoothQuant migration strength in [0, 1]. Each
    /// activation read only by MatMul/Gemm weights is divided per input channel by s_j = max|X_j|^α / max|W_j|^(1−α), the
    /// weights' rows multiplied by s_j, and the division folded into the producing LayerNormalization or linear layer;
    /// activations where that cannot be folded stay as they are (the run log says why). <see cref="SmoothQuantAuto"/>
    /// (<c>auto</c>): each activation gets the α of 0.1–0.9, or no smoothing, that its readers' quantized output
    /// measures closest to float on calibration samples. Null (default): no smoothing.
    /// </summary>
    public double? SmoothQuant { get; init; }

    /// <summary><c>--bias-correction true|false</c>: correct Conv/Gemm biases for the mean shift of weight rounding. Default true.</summary>
    public bool BiasCorrection { get; init; } = true;

    /// <summary>
    /// Recipe key <c>empirical-bias-correction</c>: with bias correction and calibration data, also take off each quantized
    /// Conv/Gemm bias the output channel mean shift measured against the float model (activation rounding included).
    /// Default off.
    /// </summary>
    public bool EmpiricalBiasCorrection { get; init; }

    /// <summary>
    /// Recipe key <c>net-aware-clip</c>: cut Tanh inputs to [−4, 4] and Sigmoid inputs to [−6, 6], and start the range of an
    /// activation whose readers ignore values below some bound (Relu, Clip, hard-swish, also behind scalar Mul/Add) at that bound. Default off.
    /// </summary>
    public bool NetAwareClip { get; init; }

    /// <summary>Recipe key <c>concat-shared-scale</c>: Concat inputs reuse the output's scale instead of requantizing. Default on.</summary>
    public bool ConcatSharedScale { get; init; } = true;

    /// <summary>Recipe key <c>no-clip</c> (Distiller's <c>--qe-no-clip-layers</c>): nodes (names or regexes) whose outputs keep their full min/max range.</summary>
    public IReadOnlyList<string> NoClip { get; init; } = [];

    /// <summary><c>--cle</c>: cross-layer equalization before quantizing. Default off.</summary>
    public bool Cle { get; init; }

    /// <summary><c>--fold-bn true|false</c>: fold BatchNormalization into the preceding Conv/Gemm. Default true.</summary>
    public bool FoldBn { get; init; } = true;

    /// <summary><c>--clip V</c> (Bolt -c): clip every GEMM input to [-V, V]; positive. Default none.</summary>
    public double? Clip { get; init; }

    /// <summary><c>--clip-table FILE.json</c> (Bolt -s): per-tensor clip values, read by <see cref="BoltClipTableReader"/>. Default none.</summary>
    public string? ClipTable { get; init; }

    /// <summary><c>--histogram-bins N</c> (ONNX Runtime's num_bins): bins of the activation histograms kl, percentile and mse read; even, 8 to 2^24. Null: 8192.</summary>
    public int? HistogramBins { get; init; }

    /// <summary><c>--ema-constant C</c> (ONNX Runtime's CalibMovingAverageConstant) for <c>--method ema</c>, in (0, 1]: each batch moves the range by C of the way. Null: 0.1.</summary>
    public double? EmaConstant { get; init; }

    /// <summary><c>--min-real-range R</c> (ONNX Runtime's MinimumRealRange): activation ranges narrower than R are widened to R. Null: none.</summary>
    public double? MinRealRange { get; init; }

    /// <summary><c>--weight-qdq-pair</c> (ONNX Runtime's AddQDQPairToWeight): weights stay float (rounded values) behind QuantizeLinear → DequantizeLinear. Default false.</summary>
    public bool WeightQdqPair { get; init; }

    /// <summary><c>--dedicated-qdq-pair</c> (ONNX Runtime's DedicatedQDQPair): one QuantizeLinear → DequantizeLinear pair per reader of an activation. Default false.</summary>
    public bool DedicatedQdqPair { get; init; }

    /// <summary><c>--quantize-bias true|false</c> (ONNX Runtime's QuantizeBias): false keeps Conv/Gemm biases float. Default true.</summary>
    public bool QuantizeBias { get; init; } = true;

    /// <summary><c>--quantize-weights true|false</c> (Distiller's --qe-bits-wts 0): false keeps weights and biases float, quantizing activations only. Default true.</summary>
    public bool QuantizeWeights { get; init; } = true;

    /// <summary><c>--tensor-overrides FILE.json</c>: ONNX Runtime's TensorQuantOverrides (scale + zero_point, or rmin + rmax, per activation). Default none.</summary>
    public string? TensorOverrides { get; init; }

    /// <summary><c>--skip NAME_OR_REGEX...</c>: nodes left float, by exact name or anchored regular expression. Default none.</summary>
    public IReadOnlyList<string> Skip { get; init; } = [];

    /// <summary><c>--skip-op TYPE...</c>: op types left float. Default none.</summary>
    public IReadOnlyList<string> SkipOp { get; init; } = [];

    /// <summary><c>--only NAME_OR_REGEX...</c> (ONNX Runtime's nodes_to_quantize): when given, only these nodes are quantized. Default none (no allow-list).</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary><c>--only-op TYPE...</c> (ONNX Runtime's op_types_to_quantize): when given, only nodes of these types are quantized. Default none (no allow-list).</summary>
    public IReadOnlyList<string> OnlyOp { get; init; } = [];

    /// <summary>
    /// <c>--target-cosine C</c> in (0, 1]: output cosine the search or fallback must keep. Default none (the mixed-bit
    /// searches then aim at <see cref="DefaultMixedTargetCosine"/>; see <see cref="EffectiveTargetCosine"/>).
    /// </summary>
    public double? TargetCosine { get; init; }

    /// <summary>
    /// <c>--accuracy-guard C|off</c>: after a full 8-bit quantization from <see cref="Data"/>, compare the output with float
    /// on 32 calibration samples spread over the set and, when the mean cosine is below C, keep the activations that cost it most float
    /// (at most a quarter; <see cref="Tuning.AccuracyGuard"/>). Null (default) means
    /// <see cref="Tuning.AccuracyGuard.DefaultCosine"/> wherever the guard applies (see <see cref="EffectiveAccuracyGuard"/>);
    /// <see cref="AccuracyGuardOff"/> turns it off. An explicit C is an error where the guard cannot run.
    /// </summary>
    public double? AccuracyGuard { get; init; }

    /// <summary><c>--max-drop POINTS</c> (≥ 0): accuracy drop in points the search or fallback may lose. Default none.</summary>
    public double? MaxDrop { get; init; }

    /// <summary><c>--calib-size N</c> (positive): use the first N calibration samples. Default all.</summary>
    public int? CalibSize { get; init; }

    /// <summary><c>--reduce-range</c>: weights use one bit less (ORT reduce_range, for CPUs without VNNI). Default off.</summary>
    public bool ReduceRange { get; init; }

    /// <summary>Recipe key <c>overrides</c>: per-layer settings, first match wins. Default none.</summary>
    public IReadOnlyList<LayerOverride> Overrides { get; init; } = [];

    /// <summary>Recipe key <c>min-weight-size</c> (MindSpore <c>min_quant_weight_size</c>, weight-only): quantize only weights with more elements. Default none.</summary>
    public int? MinWeightSize { get; init; }

    /// <summary>Recipe key <c>min-weight-channels</c> (MindSpore <c>min_quant_weight_channel</c>, weight-only): quantize only weights with more channels. Default none.</summary>
    public int? MinWeightChannels { get; init; }

    /// <summary>
    /// Recipe key <c>mixed-init-scale</c> (MindSpore <c>init_scale</c>) in (0, 1), with <c>--mode weight-only</c> and
    /// <c>--weight-bits mixed</c>: the relative error each layer's weights may have; every layer gets the fewest bits that
    /// keep it (<see cref="Pipeline.WeightBitAllocation"/>), and <see cref="TargetCosine"/> (MindSpore's auto_tune) searches
    /// it. Default none (<see cref="DefaultMixedInitScale"/>).
    /// </summary>
    public double? MixedInitScale { get; init; }

    /// <summary>
    /// <c>--data SPEC...</c> (MindSpore <c>calibrate_path</c>): calibration data folders/files, or INPUT_NAME:PATH. With
    /// <see cref="Stats"/>, only the check samples of the accuracy guard and the target searches. Default none.
    /// </summary>
    public IReadOnlyList<string> Data { get; init; } = [];

    /// <summary>
    /// <c>--stats STATS.json</c>: statistics collected earlier by <c>ptq calibrate</c> (for example merged shards); the
    /// ranges come from them, and <see cref="Data"/>, when also given, only supplies check samples. Default none.
    /// </summary>
    public string? Stats { get; init; }

    /// <summary><c>--recursive</c>: also read files in sub-folders of a folder in <see cref="Data"/>. Default off.</summary>
    public bool Recursive { get; init; }

    /// <summary><c>--skip-corrupt</c>: skip unreadable sample files (counted) instead of failing. Default off.</summary>
    public bool SkipCorrupt { get; init; }

    /// <summary>
    /// <c>--max-image-pixels N</c> (positive): images declaring more pixels are refused before decoding. Default
    /// <see cref="ResourceLimits.MaxImagePixels"/>.
    /// </summary>
    public long MaxImagePixels { get; init; } = ResourceLimits.MaxImagePixels;

    /// <summary>The PREPROCESSING flags (<c>--resize</c>, <c>--mean</c>, ...): how image files become tensors. Default <see cref="ImagePreprocessing.Default"/>.</summary>
    public ImagePreprocessing Preprocessing { get; init; } = ImagePreprocessing.Default;

    /// <summary>True when <see cref="WeightBits"/> is <see cref="MixedBits"/>.</summary>
    public bool IsMixedWeightBits => WeightBits == MixedBits;

    /// <summary>True when <see cref="ActBits"/> is <see cref="MixedBits"/>.</summary>
    public bool IsMixedActBits => ActBits == MixedBits;

    /// <summary>
    /// Activation bits in effect: <see cref="ActBits"/>, or <see cref="DefaultBits"/> when unset or mixed (the mixed
    /// search starts every activation at 8 bits).
    /// </summary>
    public int EffectiveActBits => ActBits is { } bits && bits != MixedBits ? bits : DefaultBits;

    /// <summary>
    /// The output cosine a search aims at: <see cref="TargetCosine"/>, else <see cref="DefaultMixedTargetCosine"/> for
    /// <c>--weight-bits mixed</c> with <c>--mode full</c> or <c>--act-bits mixed</c>, else null (no search; weight-only mixed
    /// bits follow <see cref="MixedInitScale"/> unless a target is given, as MindSpore's auto_tune=false).
    /// </summary>
    public double? EffectiveTargetCosine => TargetCosine ?? ((IsMixedWeightBits && Mode == QuantizationMode.Full) || IsMixedActBits ? DefaultMixedTargetCosine : null);

    /// <summary>
    /// The output cosine the accuracy guard holds the written model to, or null when it does not run: off, a target
    /// search (it holds the output to its own target), or no samples to compare on (--stats or a data-free mode without
    /// --data). It applies to every mode and bit width; with empirical bias correction it only checks (its search
    /// re-quantizes from collected statistics and would drop the correction), see <see cref="AccuracyGuardSearches"/>.
    /// </summary>
    public double? EffectiveAccuracyGuard => AccuracyGuardFor(HasCheckSamples);

    /// <summary>The guard of <see cref="EffectiveAccuracyGuard"/> for a run that has check samples or not.</summary>
    public double? AccuracyGuardFor(bool hasCheckSamples) =>
        AccuracyGuard == AccuracyGuardOff || EffectiveTargetCosine is not null || !hasCheckSamples
            ? null
            : AccuracyGuard ?? Tuning.AccuracyGuard.DefaultCosine;

    /// <summary>
    /// Whether a run will have samples to compare the output on: --data, which full quantization from samples needs anyway.
    /// </summary>
    public bool HasCheckSamples => Data.Count > 0 || (Stats is null && Mode == QuantizationMode.Full);

    /// <summary>Whether the guard may search for what to keep float when the check falls short (false: it only reports).</summary>
    public bool AccuracyGuardSearches => !EmpiricalBiasCorrection;

    /// <inheritdoc/>
    public bool Equals(QuantizationRecipe? other) =>
        other is not null
        && Mode == other.Mode && ActBits == other.ActBits && WeightBits == other.WeightBits && EdgeWeightBits == other.EdgeWeightBits
        && ActMode == other.ActMode && WeightMode == other.WeightMode && Granularity == other.Granularity
        && Method == other.Method && Percentile.Equals(other.Percentile) && NStd.Equals(other.NStd)
        && LapqIterations == other.LapqIterations && LapqMaxEvals == other.LapqMaxEvals && LapqSamples == other.LapqSamples && LapqInitP.Equals(other.LapqInitP) && LapqKl == other.LapqKl
        && ScaleApproxBits == other.ScaleApproxBits && ScaleApproxBake == other.ScaleApproxBake
        && WeightMethod == other.WeightMethod && ReconSamples == other.ReconSamples && AdaroundIterations == other.AdaroundIterations && ActOrder == other.ActOrder
        && BiasCorrection == other.BiasCorrection && EmpiricalBiasCorrection == other.EmpiricalBiasCorrection && Cle == other.Cle
        && FoldBn == other.FoldBn && Clip.Equals(other.Clip) && ClipTable == other.ClipTable
        && Skip.SequenceEqual(other.Skip) && SkipOp.SequenceEqual(other.SkipOp) && Only.SequenceEqual(other.Only) && OnlyOp.SequenceEqual(other.OnlyOp) && TensorOverrides == other.TensorOverrides && QuantizeBias == other.QuantizeBias && WeightQdqPair == other.WeightQdqPair && DedicatedQdqPair == other.DedicatedQdqPair && HistogramBins == other.HistogramBins && EmaConstant.Equals(other.EmaConstant) && MinRealRange.Equals(other.MinRealRange) && QuantizeWeights == other.QuantizeWeights
        && TargetCosine.Equals(other.TargetCosine) && AccuracyGuard.Equals(other.AccuracyGuard) && MaxDrop.Equals(other.MaxDrop) && CalibSize == other.CalibSize
        && ReduceRange == other.ReduceRange && Overrides.SequenceEqual(other.Overrides)
        && NetAwareClip == other.NetAwareClip && ConcatSharedScale == other.ConcatSharedScale && NoClip.SequenceEqual(other.NoClip)
        && BlockSize == other.BlockSize && AccuracyLevel == other.AccuracyLevel && EmbeddingBits == other.EmbeddingBits && SmoothQuant.Equals(other.SmoothQuant)
        && MinWeightSize == other.MinWeightSize && MinWeightChannels == other.MinWeightChannels
        && MixedInitScale.Equals(other.MixedInitScale) && Format == other.Format && PerChannelActs == other.PerChannelActs && FloatOpsFp16 == other.FloatOpsFp16 && FloatWeightsFp16 == other.FloatWeightsFp16 && DebugDir == other.DebugDir && Data.SequenceEqual(other.Data) && Stats == other.Stats
        && Recursive == other.Recursive && SkipCorrupt == other.SkipCorrupt && MaxImagePixels == other.MaxImagePixels
        && PreprocessingEquality.Equal(Preprocessing, other.Preprocessing);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mode, ActBits, WeightBits, Method, Percentile, Skip.Count, Data.Count, Stats);
}
