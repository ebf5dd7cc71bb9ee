using Ptq.Quantization;
using Key = Ptq.Recipes.RecipeOptions;

namespace Ptq.Recipes;

public sealed partial record QuantizationRecipe
{
    /// <summary>
    /// Checks every value and combination; returns this recipe when valid. Nothing is clamped or dropped silently.
    /// Options the pipeline has not implemented yet are valid here; see <see cref="UnsupportedFeatures"/>.
    /// </summary>
    /// <exception cref="RecipeException">
    /// The message names the option by its recipe key (<see cref="PtqException.MessageIn"/> with
    /// <see cref="OptionSpelling.Flags"/> gives CLI flags) and says what would fix it.
    /// </exception>
    public QuantizationRecipe Validate()
    {
        CheckEnum(Key.Mode, Mode);
        string mode = Codecs.Modes.Name(Mode);

        if (ActBits is { } actBits)
        {
            if (Mode is QuantizationMode.WeightOnly or QuantizationMode.Fp16)
                throw new RecipeException(Key.ActBits, $"{Key.ActBits} {Codecs.BitsName(actBits)} with {Key.Mode} {mode}: activations stay float in this mode; drop {Key.ActBits} or use {Key.Mode} full.");
            if (IsMixedActBits)
                ValidateMixedActBits(mode);
            else
                CheckBits(Key.ActBits, actBits, 2);
            if (Mode == QuantizationMode.Dynamic && actBits != DefaultBits)
                throw new RecipeException(Key.ActBits, $"{Key.ActBits} {actBits} with {Key.Mode} {mode}: DynamicQuantizeLinear quantizes activations to 8 bits at run time; drop {Key.ActBits} or use {Key.Mode} full.");
        }
        if (IsMixedWeightBits)
        {
            if (Mode is QuantizationMode.Dynamic or QuantizationMode.Fp16)
                throw new RecipeException(Key.WeightBits, $"{Key.WeightBits} {Codecs.Mixed} with {Key.Mode} {mode}: mixed bit widths need {Key.Mode} full or weight-only.");
        }
        else if (Mode == QuantizationMode.Fp16 && WeightBits != DefaultBits)
        {
            throw new RecipeException(Key.WeightBits, $"{Key.WeightBits} {WeightBits} with {Key.Mode} fp16: fp16 stores weights as 16-bit floats; drop {Key.WeightBits}.");
        }
        else
        {
            CheckBits(Key.WeightBits, WeightBits, 2); // 1-bit codes have no symmetric grid; the quantizers refuse them too
            if (Mode == QuantizationMode.Dynamic && WeightBits > DefaultBits)
                throw new RecipeException(Key.WeightBits, $"{Key.WeightBits} {WeightBits} with {Key.Mode} {mode}: MatMulInteger reads 8-bit weights; use {Key.WeightBits} 2 to 8, or {Key.Mode} full or weight-only.");
        }
        ValidateEdgeWeightBits(mode);
        if (ReduceRange && !IsMixedWeightBits && WeightBits < 3)
            throw new RecipeException(Key.ReduceRange, $"{Key.ReduceRange} with {Key.WeightBits} {WeightBits}: reduce-range drops one bit and needs at least 3.");
        CheckEnum(Key.ActMode, ActMode);
        CheckEnum(Key.WeightMode, WeightMode);
        CheckEnum(Key.Granularity, Granularity);
        CheckEnum(Key.Method, Method);
        if (WeightMethod is { } weightMethod)
            CheckEnum(Key.WeightMethod, weightMethod);
        ValidateReconstruction(mode);

        if (!(Percentile > 50 && Percentile <= 100))
            throw new RecipeException(Key.Percentile, $"{Key.Percentile} {Percentile}: must be in (50, 100], e.g. 99.99.");
        if (!(NStd > 0) || !double.IsFinite(NStd))
            throw new RecipeException(Key.NStd, $"{Key.NStd} {NStd}: must be a positive number of standard deviations, e.g. 3.");
        ValidateLapq(mode);
        if (ScaleApproxBits is { } approx && approx is < 2 or > 31)
            throw new RecipeException(Key.ScaleApproxBits, $"{Key.ScaleApproxBits} {approx}: give the multiplier's bits, 2 to 31, e.g. 16.");
        if (ScaleApproxBake && ScaleApproxBits is null)
            throw new RecipeException(Key.ScaleApproxBake, $"{Key.ScaleApproxBake} writes the approximated scales; add {Key.ScaleApproxBits} N.");
        if (ScaleApproxBits is { } given && Mode != QuantizationMode.Full)
            throw new RecipeException(Key.ScaleApproxBits, $"{Key.ScaleApproxBits} {given} with {Key.Mode} {mode}: requantization scales exist where activations are quantized statically; use {Key.Mode} full.");
        if (ScaleApproxBits is { } qop && Format == OutputFormat.QOperator)
            throw new RecipeException(Key.ScaleApproxBits, $"{Key.ScaleApproxBits} {qop} with {Key.Format} qoperator: not supported yet, the approximation is reported and baked on the QDQ model; use {Key.Format} qdq.");
        if (Clip is { } clip && !(clip > 0 && double.IsFinite(clip)))
            throw new RecipeException(Key.Clip, $"{Key.Clip} {clip}: must be a positive finite value (inputs are clipped to [-V, V]).");
        if (ClipTable is { } table && string.IsNullOrWhiteSpace(table))
            throw new RecipeException(Key.ClipTable, $"{Key.ClipTable}: the file name is empty.");
        if (TargetCosine is { } cosine && !(cosine > 0 && cosine <= 1))
            throw new RecipeException(Key.TargetCosine, $"{Key.TargetCosine} {cosine}: must be in (0, 1], e.g. 0.995.");
        if (MaxDrop is { } drop && !(drop >= 0 && double.IsFinite(drop)))
            throw new RecipeException(Key.MaxDrop, $"{Key.MaxDrop} {drop}: must be a non-negative number of accuracy points, e.g. 0.5.");
        if (CalibSize is { } size && size <= 0)
            throw new RecipeException(Key.CalibSize, $"{Key.CalibSize} {size}: must be a positive number of samples.");
        if (MaxImagePixels <= 0)
            throw new RecipeException(Key.MaxImagePixels, $"{Key.MaxImagePixels} must be positive, got {MaxImagePixels}.");

        if (Stats is { } stats)
        {
            if (string.IsNullOrWhiteSpace(stats))
                throw new RecipeException(Key.Stats, $"{Key.Stats}: the file name is empty.");
            if (CalibSize is { } n)
                throw new RecipeException(Key.CalibSize, $"{Key.CalibSize} {n} with {Key.Stats}: the statistics are already collected; drop {Key.CalibSize}, or give {Key.Data} instead of {Key.Stats}.");
        }

        if (BlockSize is not null || AccuracyLevel is not null || EmbeddingBits is not null || WeightMethod is Quantization.WeightMethod.Hqq or Quantization.WeightMethod.Awq)
            ValidateBlocks(mode);
        if (EmpiricalBiasCorrection)
            ValidateEmpiricalBiasCorrection(mode);
        if (SmoothQuant is { } alpha)
            ValidateSmoothQuant(alpha, mode);
        if (AccuracyGuard is { } guard && guard != AccuracyGuardOff)
            ValidateAccuracyGuard(guard, mode);

        CheckPatterns(Key.Skip, Skip);
        if (SkipOp.Any(string.IsNullOrWhiteSpace))
            throw new RecipeException(Key.SkipOp, $"{Key.SkipOp}: an op type is empty.");
        ValidateOnnxRuntimeOptions(mode);
        if (Data.Any(string.IsNullOrWhiteSpace))
            throw new RecipeException(Key.Data, $"{Key.Data}: a SPEC is empty.");

        if (MinWeightSize is { } minSize)
            CheckWeightOnlyCount(Key.MinWeightSize, minSize);
        if (MinWeightChannels is { } minChannels)
            CheckWeightOnlyCount(Key.MinWeightChannels, minChannels);
        if (MixedInitScale is { } scale)
        {
            if (!(scale > 0 && scale < 1))
                throw new RecipeException(Key.MixedInitScale, $"{Key.MixedInitScale} {scale}: must be in (0, 1), e.g. 0.02.");
            if (!IsMixedWeightBits)
                throw new RecipeException(Key.MixedInitScale, $"{Key.MixedInitScale} with {Key.WeightBits} {WeightBits}: it only steers the mixed-bit allocation; use {Key.WeightBits} {Codecs.Mixed} or drop it.");
            if (Mode != QuantizationMode.WeightOnly)
                throw new RecipeException(Key.MixedInitScale, $"{Key.MixedInitScale} with {Key.Mode} {mode}: it is the relative weight error of the weight-only mixed-bit allocation (MindSpore's WEIGHT_QUANT bit_num=0); {Key.Mode} full's mixed search starts at 4 bits and raises layers to 8 until {Key.TargetCosine} holds; use {Key.Mode} weight-only or drop it.");
        }
        if (FloatOpsFp16 && Mode != QuantizationMode.Full)
            throw new RecipeException(Key.FloatOpsFp16, $"{Key.FloatOpsFp16} with {Key.Mode} {mode}: it changes the operators a full quantization leaves float (a dynamic model's float operators are fused with its run-time quantization); use {Key.Mode} full, or {Key.Mode} fp16 to store every weight as float16.");
        if (FloatWeightsFp16 && Mode == QuantizationMode.Fp16)
            throw new RecipeException(Key.FloatWeightsFp16, $"{Key.FloatWeightsFp16} with {Key.Mode} fp16: every weight is stored as float16 already; drop one of them.");
        if (PerChannelActs)
        {
            if (Mode != QuantizationMode.Full)
                throw new RecipeException(Key.PerChannelActs, $"{Key.PerChannelActs} with {Key.Mode} {mode}: activations are quantized ahead of time only with {Key.Mode} full; drop it or use {Key.Mode} full.");
            if (Format == OutputFormat.QOperator)
                throw new RecipeException(Key.PerChannelActs, $"{Key.PerChannelActs} with {Key.Format} qoperator: ONNX Runtime's integer operators take one scale per input; use {Key.Format} qdq.");
        }
        foreach (var entry in Overrides)
            ValidateOverride(entry);
        return this;
    }

    // Reconstruction reads layer inputs on calibration samples (whether they are given is checked when they are read:
    // a library caller may pass them apart from --data), and its knobs mean nothing to the other methods.
    private void ValidateReconstruction(string mode)
    {
        var withData = WeightMethodFor(hasData: true);
        string method = Codecs.WeightMethods.Name(withData);
        bool reconstructs = withData is Quantization.WeightMethod.Gptq or Quantization.WeightMethod.AdaRound;
        if (reconstructs && Mode is QuantizationMode.Dynamic or QuantizationMode.Fp16)
            throw new RecipeException(Key.WeightMethod, $"{Key.WeightMethod} {method} with {Key.Mode} {mode}: reconstruction chooses the codes of weights behind DequantizeLinear; use {Key.Mode} full or weight-only, or another {Key.WeightMethod}.");
        if (reconstructs && Stats is not null && Mode == QuantizationMode.Full)
            throw new RecipeException(Key.WeightMethod, $"{Key.WeightMethod} {method} with {Key.Stats}: reconstruction runs calibration samples through the model, which statistics cannot replace; give {Key.Data} instead of {Key.Stats}.");
        if (ReconSamples is { } samples && samples < 1)
            throw new RecipeException(Key.ReconSamples, $"{Key.ReconSamples} {samples}: must be a positive number of samples.");
        if (ReconSamples is not null && !reconstructs)
            throw new RecipeException(Key.ReconSamples, $"{Key.ReconSamples} with {Key.WeightMethod} {method}: only gptq and adaround reconstruct from samples; drop it or choose one of them.");
        if (AdaroundIterations is { } iterations && iterations < 1)
            throw new RecipeException(Key.AdaroundIterations, $"{Key.AdaroundIterations} {iterations}: must be a positive number of steps.");
        if (AdaroundIterations is not null && withData != Quantization.WeightMethod.AdaRound)
            throw new RecipeException(Key.AdaroundIterations, $"{Key.AdaroundIterations} with {Key.WeightMethod} {method}: it steers adaround only; drop it or use {Key.WeightMethod} adaround.");
        if (ActOrder is not null && withData != Quantization.WeightMethod.Gptq)
            throw new RecipeException(Key.ActOrder, $"{Key.ActOrder} with {Key.WeightMethod} {method}: it steers gptq only; drop it or use {Key.WeightMethod} gptq.");
    }

    // SmoothQuant moves activation range into the weights from per-channel maxima observed on the samples; weight-only and
    // fp16 leave activations float, and statistics files hold no per-channel maxima.
    private void ValidateSmoothQuant(double alpha, string mode)
    {
        if (alpha != SmoothQuantAuto && !(alpha >= 0 && alpha <= 1))
            throw new RecipeException(Key.SmoothQuant, $"{Key.SmoothQuant} {alpha}: the migration strength lies in [0, 1], e.g. 0.5.");
        if (Mode is QuantizationMode.WeightOnly or QuantizationMode.Fp16)
            throw new RecipeException(Key.SmoothQuant, $"{Key.SmoothQuant} with {Key.Mode} {mode}: smoothing eases activation quantization, and this mode leaves activations float; use {Key.Mode} full or dynamic.");
        if (Stats is not null)
            throw new RecipeException(Key.SmoothQuant, $"{Key.SmoothQuant} with {Key.Stats}: smoothing needs per-channel maxima, which statistics files do not hold; give {Key.Data} instead of {Key.Stats}.");
    }

    // Block-wise weights (MatMulNBits) take a narrower set of choices than per-channel ones; each other choice is refused by name.
    private void ValidateBlocks(string mode)
    {
        if (BlockSize is not { } block)
        {
            if (AccuracyLevel is { } level)
                throw new RecipeException(Key.AccuracyLevel, $"{Key.AccuracyLevel} {level} without {Key.BlockSize}: it sets the compute type of block-wise weights (MatMulNBits); add {Key.BlockSize} 32 or drop it.");
            if (EmbeddingBits is { } bits)
                throw new RecipeException(Key.EmbeddingBits, $"{Key.EmbeddingBits} {bits} without {Key.BlockSize}: it sets the bits of block-wise embedding tables; add {Key.BlockSize} 32 or drop it.");
            if (WeightMethod == Quantization.WeightMethod.Awq)
                throw new RecipeException(Key.WeightMethod, $"{Key.WeightMethod} awq scales the input channels of block-wise weights; add {Key.BlockSize} 32 (with {Key.Mode} weight-only).");
            throw new RecipeException(Key.WeightMethod, $"{Key.WeightMethod} {Codecs.WeightMethods.Name(WeightMethod ?? Quantization.WeightMethod.MinMax)} fits the zero point of each block of block-wise weights; add {Key.BlockSize} 32 (with {Key.Mode} weight-only).");
        }
        if (Mode != QuantizationMode.WeightOnly)
            throw new RecipeException(Key.BlockSize, $"{Key.BlockSize} {block} with {Key.Mode} {mode}: block-wise weights are weight-only (ONNX Runtime's MatMulNBits); use {Key.Mode} weight-only.");
        if (block < 16 || (block & (block - 1)) != 0)
            throw new RecipeException(Key.BlockSize, $"{Key.BlockSize} {block}: ONNX Runtime needs a power of two, at least 16, e.g. 32, 64 or 128.");
        if (IsMixedWeightBits || WeightBits is not (2 or 4 or 8))
            throw new RecipeException(Key.WeightBits, $"{Key.WeightBits} {Codecs.BitsName(WeightBits)} with {Key.BlockSize}: MatMulNBits stores 2-, 4- or 8-bit weights.");
        if (EmbeddingBits is { } embeddingBits && embeddingBits is not (2 or 4 or 8))
            throw new RecipeException(Key.EmbeddingBits, $"{Key.EmbeddingBits} {embeddingBits}: block-wise tables are 2, 4 or 8 bits.");
        if (Granularity != Granularity.PerChannel)
            throw new RecipeException(Key.Granularity, $"{Key.Granularity} {Codecs.Granularities.Name(Granularity)} with {Key.BlockSize}: blocks are finer than channels; drop one of them.");
        if (ReduceRange)
            throw new RecipeException(Key.ReduceRange, $"{Key.ReduceRange} with {Key.BlockSize}: block-wise weights use every code of their bits; drop {Key.ReduceRange}.");
        if (WeightMethod is not (null or Quantization.WeightMethod.MinMax or Quantization.WeightMethod.Hqq or Quantization.WeightMethod.Gptq or Quantization.WeightMethod.Awq))
            throw new RecipeException(Key.WeightMethod, $"{Key.WeightMethod} {Codecs.WeightMethods.Name(WeightMethod ?? Quantization.WeightMethod.MinMax)} with {Key.BlockSize}: block-wise weights take minmax (round to nearest), hqq, gptq or awq.");
        if (WeightMethod == Quantization.WeightMethod.Hqq && WeightMode == QuantMode.Symmetric)
            throw new RecipeException(Key.WeightMode, $"{Key.WeightMethod} hqq fits a zero point per block, which symmetric weights do not have: add {Key.WeightMode} asym_u.");
        if (AccuracyLevel is { } accuracy && accuracy is < 0 or > 4)
            throw new RecipeException(Key.AccuracyLevel, $"{Key.AccuracyLevel} {accuracy}: MatMulNBits takes 0 (unset), 1 (fp32), 2 (fp16), 3 (bf16) or 4 (int8).");
        if (MinWeightSize is { } size)
            throw new RecipeException(Key.MinWeightSize, $"{Key.MinWeightSize} {size} with {Key.BlockSize}: block-wise quantization covers every MatMul/Gemm/Gather weight; skip layers with {Key.Skip} or {Key.SkipOp} instead.");
        if (MinWeightChannels is { } channels)
            throw new RecipeException(Key.MinWeightChannels, $"{Key.MinWeightChannels} {channels} with {Key.BlockSize}: block-wise quantization covers every MatMul/Gemm/Gather weight; skip layers with {Key.Skip} or {Key.SkipOp} instead.");
        foreach (var o in Overrides)
        {
            if (o.WeightBits is { } bits && bits is not (2 or 4 or 8))
                throw new RecipeException(Key.Overrides, $"{Key.Overrides}['{o.Pattern}'].weight-bits {bits} with {Key.BlockSize}: MatMulNBits stores 2-, 4- or 8-bit weights.");
            if (WeightMethod == Quantization.WeightMethod.Hqq && o.WeightMode == QuantMode.Symmetric)
                throw new RecipeException(Key.Overrides, $"{Key.Overrides}['{o.Pattern}'].weight-mode sym with {Key.WeightMethod} hqq: HQQ fits a zero point per block; use asym_u.");
        }
    }

    // LAPQ's knobs steer only its search, which needs statically quantized activations and samples to measure on.
    private void ValidateLapq(string mode)
    {
        bool lapq = Method == Calibration.CalibrationMethod.Lapq || Overrides.Any(o => o.Method == Calibration.CalibrationMethod.Lapq);
        (RecipeOption Option, string Value)? knob = LapqIterations is { } i ? (Key.LapqIterations, i.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : LapqMaxEvals is { } e ? (Key.LapqMaxEvals, e.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : LapqSamples is { } n ? (Key.LapqSamples, n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : LapqInitP is { } p ? (Key.LapqInitP, p.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : LapqKl ? (Key.LapqKl, "true")
            : null;
        if (knob is var (option, value) && !lapq)
            throw new RecipeException(option, $"{option} {value}: it steers {Key.Method} lapq's search; add {Key.Method} lapq or drop it.");
        if (LapqIterations is < 0)
            throw new RecipeException(Key.LapqIterations, $"{Key.LapqIterations} {LapqIterations}: give 0 (the L_p start only) or more sweeps, e.g. 2.");
        if (LapqMaxEvals is < 1)
            throw new RecipeException(Key.LapqMaxEvals, $"{Key.LapqMaxEvals} {LapqMaxEvals}: give a positive number of evaluations, e.g. 500.");
        if (LapqSamples is < 1)
            throw new RecipeException(Key.LapqSamples, $"{Key.LapqSamples} {LapqSamples}: give a positive number of samples, e.g. 16.");
        if (LapqInitP is { } norm && !(norm >= 1 && double.IsFinite(norm)))
            throw new RecipeException(Key.LapqInitP, $"{Key.LapqInitP} {norm}: the norm's p is a finite number of at least 1, e.g. 3.");
        if (!lapq)
            return;
        if (Mode != QuantizationMode.Full)
            throw new RecipeException(Key.Method, $"{Key.Method} lapq with {Key.Mode} {mode}: it searches activation clips, which only {Key.Mode} full quantizes statically; use {Key.Mode} full.");
        if (EffectiveTargetCosine is not null)
            throw new RecipeException(Key.Method, $"{Key.Method} lapq with a target search ({Key.TargetCosine}, {Key.WeightBits} {Codecs.Mixed}, {Key.ActBits} {Codecs.Mixed}): one search at a time; drop one of them (the accuracy guard still checks LAPQ's result).");
        if (EmpiricalBiasCorrection)
            throw new RecipeException(Key.Method, $"{Key.Method} lapq with {Key.EmpiricalBiasCorrection}: the search quantizes from collected statistics and would drop the correction; drop one of them.");
    }

    // Every case the correction would otherwise skip without a word.
    private void ValidateEmpiricalBiasCorrection(string mode)
    {
        var key = Key.EmpiricalBiasCorrection;
        if (Mode != QuantizationMode.Full)
            throw new RecipeException(key, $"{key} with {Key.Mode} {mode}: it corrects the biases of a statically quantized model; use {Key.Mode} full or drop it.");
        if (!BiasCorrection)
            throw new RecipeException(key, $"{key} with {Key.BiasCorrection} false: it extends bias correction; set {Key.BiasCorrection} true or drop it.");
        if (Stats is not null)
            throw new RecipeException(key, $"{key} with {Key.Stats}: it measures layer outputs on calibration samples; give {Key.Data} instead of {Key.Stats}, or drop it.");
        if (EffectiveTargetCosine is not null)
            throw new RecipeException(key, $"{key} with a target search ({Key.TargetCosine}, {Key.WeightBits} {Codecs.Mixed}, {Key.ActBits} {Codecs.Mixed}): the searches quantize from collected statistics; drop one of them.");
    }

    // An explicit guard that could not run would be ignored without a word.
    private void ValidateAccuracyGuard(double guard, string mode)
    {
        var option = Key.AccuracyGuard;
        string given = Codecs.GuardName(guard);
        if (!(guard > 0 && guard <= 1))
            throw new RecipeException(option, $"{option} {given}: must be in (0, 1], e.g. 0.995, or '{Codecs.Off}'.");
        if (EffectiveTargetCosine is not null)
            throw new RecipeException(option, $"{option} {given} with a target search ({Key.TargetCosine}, {Key.WeightBits} {Codecs.Mixed}, {Key.ActBits} {Codecs.Mixed}): the search already holds the output to its target; drop one of them.");
        if (EmpiricalBiasCorrection)
            throw new RecipeException(option, $"{option} {given} with {Key.EmpiricalBiasCorrection}: the guard's search quantizes from collected statistics and would drop the correction; drop one of them.");
        if (!HasCheckSamples)
            throw new RecipeException(option, $"{option} {given} without {Key.Data}: it compares the output with float on samples; add {Key.Data} with a few samples (with {Key.Stats} or {Key.Mode} {mode} they are only used for the check), or drop it.");
    }

    private void ValidateMixedActBits(string mode)
    {
        if (Mode != QuantizationMode.Full)
            throw new RecipeException(Key.ActBits, $"{Key.ActBits} {Codecs.Mixed} with {Key.Mode} {mode}: the search fixes activation ranges from calibration data, which only {Key.Mode} full does; use {Key.Mode} full or {Key.ActBits} 8.");
        if (IsMixedWeightBits)
            throw new RecipeException(Key.ActBits, $"{Key.ActBits} {Codecs.Mixed} with {Key.WeightBits} {Codecs.Mixed}: one mixed-bit search at a time; give {Key.WeightBits} N (e.g. 8) or {Key.ActBits} N.");
    }

    private void CheckWeightOnlyCount(RecipeOption option, int value)
    {
        if (value < 0)
            throw new RecipeException(option, $"{option} {value}: must be zero or positive.");
        if (Mode != QuantizationMode.WeightOnly)
            throw new RecipeException(option, $"{option} with {Key.Mode} {Codecs.Modes.Name(Mode)}: it applies to weight-only quantization only (as in MindSpore); drop it or use {Key.Mode} weight-only.");
    }

    private static void ValidateOverride(LayerOverride entry)
    {
        string where = $"{Key.Overrides}['{entry.Pattern}']";
        if (string.IsNullOrWhiteSpace(entry.Pattern))
            throw new RecipeException(Key.Overrides, $"{Key.Overrides}: a layer name or pattern is empty.");
        if (entry.ActBits is { } a) CheckBits($"{where}.act-bits", a, 2);
        if (entry.WeightBits is { } w) CheckBits($"{where}.weight-bits", w, 1);
        if (entry.ActMode is { } am) CheckEnum($"{where}.act-mode", am);
        if (entry.WeightMode is { } wm) CheckEnum($"{where}.weight-mode", wm);
        if (entry.Method is { } m) CheckEnum($"{where}.method", m);
    }

    private void ValidateEdgeWeightBits(string mode)
    {
        if (EdgeWeightBits is not { } bits)
            return;
        if (Mode == QuantizationMode.Fp16)
            throw new RecipeException(Key.EdgeWeightBits, $"{Key.EdgeWeightBits} {bits} with {Key.Mode} fp16: fp16 stores weights as 16-bit floats; drop {Key.EdgeWeightBits}.");
        if (IsMixedWeightBits)
            throw new RecipeException(Key.EdgeWeightBits, $"{Key.EdgeWeightBits} {bits} with {Key.WeightBits} {Codecs.Mixed}: the mixed search chooses every layer's bits; drop {Key.EdgeWeightBits} or give {Key.WeightBits} a number.");
        CheckBits(Key.EdgeWeightBits, bits, 2);
        if (Mode == QuantizationMode.Dynamic && bits > DefaultBits)
            throw new RecipeException(Key.EdgeWeightBits, $"{Key.EdgeWeightBits} {bits} with {Key.Mode} {mode}: MatMulInteger reads 8-bit weights; use 2 to 8.");
        if (BlockSize is not null && bits is not (2 or 4 or 8))
            throw new RecipeException(Key.EdgeWeightBits, $"{Key.EdgeWeightBits} {bits} with {Key.BlockSize}: MatMulNBits stores 2-, 4- or 8-bit weights.");
        if (ReduceRange && bits < 3)
            throw new RecipeException(Key.EdgeWeightBits, $"{Key.EdgeWeightBits} {bits} with {Key.ReduceRange}: reduce-range drops one bit and needs at least 3.");
    }

    // 'name' is an option (spelled by the caller) or a nested key such as overrides['conv1'].act-bits.
    private static void CheckBits(object name, int bits, int min)
    {
        if (bits < min || bits > 16)
            throw Invalid(name, $"{name} {bits}: {bits} bits are not supported; use {min} to 16.");
    }

    // The options taken from ONNX Runtime's quantizer (issue #13). Each must change something in this recipe, else it
    // is refused (never ignored); most shape the activations or the QDQ graph, which only full mode has.
    private void ValidateOnnxRuntimeOptions(string mode)
    {
        CheckEnum(Key.Format, Format);
        CheckPatterns(Key.Only, Only);
        if (OnlyOp.Any(string.IsNullOrWhiteSpace))
            throw new RecipeException(Key.OnlyOp, $"{Key.OnlyOp}: an op type is empty.");
        if (TensorOverrides is { } tensorOverrides && string.IsNullOrWhiteSpace(tensorOverrides))
            throw new RecipeException(Key.TensorOverrides, $"{Key.TensorOverrides}: the file name is empty.");
        if (WeightQdqPair && WeightMethodFor(hasData: true) is Quantization.WeightMethod.Gptq or Quantization.WeightMethod.AdaRound)
            throw new RecipeException(Key.WeightQdqPair, $"{Key.WeightQdqPair} with {Key.WeightMethod} {Codecs.WeightMethods.Name(WeightMethodFor(hasData: true))}: reconstruction writes its codes into integer weights after the rewrite; drop one of them.");
        if (Mode != QuantizationMode.Full)
        {
            (RecipeOption Option, string Why)? fullOnly =
                Format == OutputFormat.QOperator ? (Key.Format, $"integer operators need quantized activations ({Key.Mode} dynamic already writes ONNX Runtime's DynamicQuantizeMatMul operators)")
                : TensorOverrides is not null ? (Key.TensorOverrides, "it fixes activation parameters")
                : WeightQdqPair ? (Key.WeightQdqPair, "it shapes the QDQ graph")
                : DedicatedQdqPair ? (Key.DedicatedQdqPair, "it shapes the QDQ graph")
                : !QuantizeBias ? (Key.QuantizeBias, "biases are int32 only there (other modes keep them float anyway)")
                : !QuantizeWeights ? (Key.QuantizeWeights, "without weights, this mode would quantize nothing")
                : MinRealRange is not null ? (Key.MinRealRange, "it widens activation ranges")
                : null;
            if (fullOnly is var (option, why))
                throw new RecipeException(option, $"{option} {option.Format(this)} with {Key.Mode} {mode}: {why}, which only {Key.Mode} full has; drop it or use {Key.Mode} full.");
        }
        ValidateCalibrationExtras();
    }

    private void ValidateCalibrationExtras()
    {
        var methods = Overrides.Select(o => o.Method).OfType<Calibration.CalibrationMethod>().Append(Method).ToList();
        string why = Stats is null ? "" : $"; with {Key.Stats} the statistics are already collected";
        if (HistogramBins is { } bins)
        {
            if (bins < 8 || bins % 2 != 0 || bins > 1 << 24)
                throw new RecipeException(Key.HistogramBins, $"{Key.HistogramBins} {bins}: must be even and in [8, 16777216], e.g. 2048.");
            if (Stats is not null || Mode != QuantizationMode.Full || !methods.Any(m => m is Calibration.CalibrationMethod.Kl or Calibration.CalibrationMethod.Percentile or Calibration.CalibrationMethod.Mse or Calibration.CalibrationMethod.Lapq))
                throw new RecipeException(Key.HistogramBins, $"{Key.HistogramBins} {bins}: only {Key.Method} kl, percentile, mse and lapq read histograms, in {Key.Mode} full from {Key.Data}{why}; drop it.");
        }
        if (EmaConstant is { } c)
        {
            if (!(c > 0 && c <= 1))
                throw new RecipeException(Key.EmaConstant, $"{Key.EmaConstant} {c}: must be in (0, 1], e.g. 0.01.");
            if (Stats is not null || Mode != QuantizationMode.Full || !methods.Contains(Calibration.CalibrationMethod.Ema))
                throw new RecipeException(Key.EmaConstant, $"{Key.EmaConstant} {c}: it sets {Key.Method} ema's moving average, in {Key.Mode} full from {Key.Data}{why}; add {Key.Method} ema or drop it.");
        }
        if (MinRealRange is { } r)
        {
            if (!(r > 0 && double.IsFinite(r)))
                throw new RecipeException(Key.MinRealRange, $"{Key.MinRealRange} {r}: must be a positive finite width, e.g. 0.0001.");
        }
    }

    private static void CheckEnum<T>(object name, T value) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw Invalid(name, $"{name}: unknown value {value}.");
    }

    private static RecipeException Invalid(object name, FormattableString message) => name is RecipeOption option
        ? new RecipeException(option, message)
        : new RecipeException(name.ToString()!, message.ToString(OptionSpelling.Keys));

    /// <summary>Only emptiness is checked: an entry that is not a valid regular expression may still be an exact node name, which only the model can tell.</summary>
    private static void CheckPatterns(RecipeOption option, IReadOnlyList<string> patterns)
    {
        foreach (string pattern in patterns)
            if (string.IsNullOrWhiteSpace(pattern))
                throw new RecipeException(option, $"{option}: a node name or pattern is empty.");
    }
}
