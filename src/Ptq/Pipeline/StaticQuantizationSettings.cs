using Ptq.Quantization;
using Ptq.Pipeline.Reconstruction;

namespace Ptq.Pipeline;

/// <summary>What a static (weights + activations) quantization does; validated once by <see cref="Validate"/>.</summary>
internal sealed record StaticQuantizationSettings
{
    /// <summary>Activation scheme. Default 8-bit asymmetric unsigned.</summary>
    public QuantScheme Activations { get; init; } = QuantScheme.ActivationDefault;

    /// <summary>Weight scheme. Default 8-bit symmetric, narrow range.</summary>
    public QuantScheme Weights { get; init; } = QuantScheme.WeightDefault;

    /// <summary>
    /// Weight scheme of the edge layers (<see cref="EdgeLayers"/>: the first and last weighted layers), or null for
    /// <see cref="Weights"/>. Published low-bit results keep them at 8 bits: the first layer reads the raw input and the
    /// last writes the scores directly, and both hold few weights in most networks. Overrides naming a layer win.
    /// </summary>
    public QuantScheme? EdgeWeights { get; init; }

    /// <summary>
    /// How weight ranges are chosen: min-max (default) or MSE-optimal clipping per channel; or codes reconstructed from
    /// calibration data on min-max ranges (<see cref="WeightMethod.Gptq"/>, <see cref="WeightMethod.AdaRound"/>).
    /// </summary>
    public WeightMethod WeightMethod { get; init; } = WeightMethod.MinMax;

    /// <summary>How GPTQ and AdaRound use the calibration data (samples, iterations, act-order).</summary>
    public WeightReconstructionSettings Reconstruction { get; init; } = new();

    /// <summary>
    /// Codes reconstructed by an earlier quantization of the same model (<see cref="StaticQuantizationResult.Reconstruction"/>),
    /// written back instead of reconstructing again: the searches quantize one model many times from statistics alone.
    /// </summary>
    internal ReconstructedWeights? ReusedReconstruction { get; init; }

    /// <summary>
    /// The α per activation an earlier SmoothQuant search on the same model chose
    /// (<see cref="StaticQuantizationResult.SmoothingAlphas"/>), applied instead of searching again: a search's variants,
    /// quantized from statistics alone, keep the plain quantization's smoothing.
    /// </summary>
    internal IReadOnlyDictionary<string, double?>? ReusedSmoothingAlphas { get; init; }

    /// <summary>True when the weight method reconstructs codes from calibration samples.</summary>
    public bool ReconstructsWeights => WeightMethod is WeightMethod.Gptq or WeightMethod.AdaRound;

    /// <summary>How the weight ranges (the grid codes live on) are chosen: the weight method's, or the one reconstruction starts from.</summary>
    internal WeightMethod RangeMethod => ReconstructsWeights ? Reconstruction.Grid : WeightMethod;

    /// <summary>One scale per output channel for weights (default) instead of one per tensor.</summary>
    public bool PerChannelWeights { get; init; } = true;

    /// <summary>Cross-layer equalization of Conv → Relu → Conv pairs before quantizing (<c>--cle</c>; default off).</summary>
    public bool CrossLayerEqualization { get; init; }

    /// <summary>
    /// SmoothQuant's migration strength α in [0, 1] (<see cref="Passes.SmoothQuant"/>): activations read only by MatMul/Gemm
    /// weights are divided per input channel by max|X_j|^α / max|W_j|^(1−α), with the weights and the producer compensating.
    /// Needs per-channel maxima from calibration samples. Null (default): no smoothing.
    /// </summary>
    public double? SmoothQuantAlpha { get; init; }

    /// <summary>
    /// With <see cref="SmoothQuantAlpha"/> and calibration samples: choose α per activation, the one whose readers'
    /// quantized output is closest to float on the samples (<see cref="Passes.SmoothQuantAlphaSearch"/>; leaving an
    /// activation unsmoothed is a candidate). <see cref="SmoothQuantAlpha"/> applies where no samples are given.
    /// </summary>
    public bool SmoothQuantSearch { get; init; }

    /// <summary>Smallest width of an activation range (ONNX Runtime's MinimumRealRange): narrower ranges are widened upwards to it. Null: no minimum.</summary>
    public double? MinimumRealRange { get; init; }

    /// <summary>ONNX Runtime's AddQDQPairToWeight: weights stored as float (their rounded values) behind QuantizeLinear → DequantizeLinear.</summary>
    public bool FloatWeightsWithQdq { get; init; }

    /// <summary>ONNX Runtime's DedicatedQDQPair: one QuantizeLinear → DequantizeLinear pair per reader of an activation.</summary>
    public bool DedicatedQdqPairs { get; init; }

    /// <summary>Which parameters are stored as integers (default weights and biases).</summary>
    public QuantizedParameters QuantizedParameters { get; init; } = QuantizedParameters.WeightsAndBiases;

    /// <summary>Fold BatchNormalization into the preceding Conv/Gemm (default on).</summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>Correct each Conv/Gemm bias for the mean output shift its weight rounding causes (default on; needs channel means from calibration).</summary>
    public bool BiasCorrection { get; init; } = true;

    /// <summary>
    /// With <see cref="BiasCorrection"/> and calibration samples: also correct each quantized Conv/ConvTranspose/Gemm
    /// bias for the mean output shift measured between the quantized and the float model, activation rounding included
    /// (<see cref="Pipeline.EmpiricalBiasCorrection"/>; default off: on PP-OCRv4 det it lifts the output cosine from 0.962
    /// to 0.969, on SqueezeNet it changes nothing beyond one image in 400). Statistics files give the analytic correction only.
    /// </summary>
    public bool EmpiricalBiasCorrection { get; init; }

    /// <summary>Remove Relu/Clip(0, x) after int8 ops and let the quantized range do the clamping (asymmetric activations only).</summary>
    public bool FuseActivations { get; init; } = true;

    /// <summary>
    /// Ops reading a feature vector (no spatial extent) of fewer values per sample stay float (default 1024):
    /// squeeze-excite vectors and pooled features lose much on a per-tensor 8-bit grid and cost next to nothing in
    /// float. 0 quantizes everything.
    /// </summary>
    public int MinActivationElements { get; init; } = 1024;

    /// <summary>
    /// Bolt's <c>-c</c>: clip the activation inputs of Conv, ConvTranspose, Gemm and MatMul to [−V, V] (their calibrated
    /// range is intersected with it). Null (default) keeps the calibrated ranges.
    /// </summary>
    public double? GemmInputClip { get; init; }

    /// <summary>
    /// Net-aware clipping: cut the input ranges of Tanh to [−4, 4] and of Sigmoid to [−6, 6], where they saturate, and
    /// raise the lower end of every activation whose readers ignore values below some bound (a Relu, Clip, HardSigmoid or
    /// hard-swish, also behind scalar Mul/Add in float: <see cref="Passes.DeadZones"/>) to that bound (default off).
    /// </summary>
    public bool NetAwareClipping { get; init; }

    /// <summary>Concat inputs reuse the Concat output's scale (default) instead of being requantized by QLinearConcat.</summary>
    public bool ConcatSharedScale { get; init; } = true;

    /// <summary>
    /// Bolt's clip table (<c>-s</c>): tensor name → clip V. Listed activations and weights are quantized symmetric 8-bit
    /// with scale V / 127; in this mode ops whose activations are not all listed stay float. Null: no table.
    /// </summary>
    public IReadOnlyDictionary<string, double>? TensorClips { get; init; }

    /// <summary>Per-layer settings; the first override whose pattern matches a node applies to it.</summary>
    public IReadOnlyList<NodeOverride> Overrides { get; init; } = [];

    /// <summary>Activations whose scale and zero point, or range, the user fixed (ONNX Runtime's TensorQuantOverrides), by tensor name.</summary>
    public IReadOnlyDictionary<string, TensorOverride> TensorOverrides { get; init; } = new Dictionary<string, TensorOverride>();

    /// <summary>
    /// Activation ranges chosen by a search over the whole network (LAPQ), by tensor: they replace the estimated range of
    /// a calibrated tensor of the plan before clipping, overrides and fused bounds apply; entries for tensors the plan
    /// does not calibrate (a variant keeping their nodes float) are not used. Empty by default.
    /// </summary>
    internal IReadOnlyDictionary<string, FloatRange> SearchedRanges { get; init; } = new Dictionary<string, FloatRange>();

    /// <summary>Node names or regular expressions of nodes to leave float.</summary>
    public IReadOnlyList<string> SkipNodes { get; init; } = [];

    /// <summary>Op types to leave float.</summary>
    public IReadOnlyList<string> SkipOpTypes { get; init; } = [];

    /// <summary>
    /// Allow-list (ONNX Runtime's nodes_to_quantize): when set, only nodes whose name equals or matches one of these
    /// patterns are quantized, every other node stays float. Null (default): every node may be quantized.
    /// </summary>
    public IReadOnlyList<string>? OnlyNodes { get; init; }

    /// <summary>
    /// Allow-list by op type (ONNX Runtime's op_types_to_quantize): when set, only nodes of these types are quantized,
    /// every other node stays float. Null (default): every type may be quantized.
    /// </summary>
    public IReadOnlyList<string>? OnlyOpTypes { get; init; }

    /// <summary>Throws <see cref="PtqException"/> naming the setting at fault.</summary>
    public StaticQuantizationSettings Validate()
    {
        Activations.Validate("activation bits");
        Weights.Validate("weight bits");
        EdgeWeights?.Validate(SettingName.EdgeWeightBits.ToString());
        Reconstruction.Validate();
        if (GemmInputClip is { } clip && !(clip > 0 && double.IsFinite(clip)))
            throw new SettingException(SettingName.Clip, $"{SettingName.Clip} {clip}: give a positive, finite clipping value");
        foreach (var (tensor, tableClip) in TensorClips ?? new Dictionary<string, double>())
        {
            if (!(tableClip > 0 && double.IsFinite(tableClip)))
                throw new PtqException($"clip table: tensor '{tensor}' has clip {tableClip}; clips must be positive and finite");
        }
        foreach (var o in Overrides)
        {
            o.Weights?.Validate($"override '{o.Pattern}' weight bits");
            o.Activations?.Validate($"override '{o.Pattern}' activation bits");
        }
        if (SmoothQuantAlpha is { } alpha && !(alpha >= 0 && alpha <= 1))
            throw new SettingException(SettingName.SmoothQuant, $"{SettingName.SmoothQuant} {alpha}: the migration strength lies in [0, 1]");
        if (MinActivationElements < 0)
            throw new PtqException($"minimum activation size {MinActivationElements}: give 0 or more elements");
        return this;
    }
}
