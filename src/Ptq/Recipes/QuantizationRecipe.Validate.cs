using Ptq.Quantization;

namespace Ptq.Recipes;

public sealed partial record QuantizationRecipe
{
    /// <summary>
    /// Checks every value and combination; returns this recipe when valid. Nothing is clamped or dropped silently.
    /// Options the pipeline has not implemented yet are valid here; see <see cref="UnsupportedFeatures"/>.
    /// </summary>
    /// <exception cref="RecipeException">The message names the option (its CLI spelling) and says what would fix it.</exception>
    public QuantizationRecipe Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new RecipeException("--mode", $"--mode: unknown value {Mode}.");
        string mode = RecipeNames.Name(Mode);

        if (ActBits is { } actBits)
        {
            if (Mode is QuantizationMode.WeightOnly or QuantizationMode.Fp16)
                throw new RecipeException("--act-bits", $"--act-bits {RecipeNames.BitsName(actBits)} with --mode {mode}: activations stay float in this mode; drop --act-bits or use --mode full.");
            if (IsMixedActBits)
                ValidateMixedActBits(mode);
            else
                CheckBits("--act-bits", actBits, 2);
            if (Mode == QuantizationMode.Dynamic && actBits != DefaultBits)
                throw new RecipeException("--act-bits", $"--act-bits {actBits} with --mode {mode}: DynamicQuantizeLinear quantizes activations to 8 bits at run time; drop --act-bits or use --mode full.");
        }
        if (IsMixedWeightBits)
        {
            if (Mode is QuantizationMode.Dynamic or QuantizationMode.Fp16)
                throw new RecipeException("--weight-bits", $"--weight-bits {RecipeNames.Mixed} with --mode {mode}: mixed bit widths need --mode full or weight-only.");
        }
        else if (Mode == QuantizationMode.Fp16 && WeightBits != DefaultBits)
        {
            throw new RecipeException("--weight-bits", $"--weight-bits {WeightBits} with --mode fp16: fp16 stores weights as 16-bit floats; drop --weight-bits.");
        }
        else
        {
            CheckBits("--weight-bits", WeightBits, Mode == QuantizationMode.WeightOnly ? 1 : 2);
            if (Mode == QuantizationMode.Dynamic && WeightBits > DefaultBits)
                throw new RecipeException("--weight-bits", $"--weight-bits {WeightBits} with --mode {mode}: MatMulInteger reads 8-bit weights; use --weight-bits 2 to 8, or --mode full or weight-only.");
        }
        if (ReduceRange && !IsMixedWeightBits && WeightBits < 3)
            throw new RecipeException("--reduce-range", $"--reduce-range with --weight-bits {WeightBits}: reduce-range drops one bit and needs at least 3.");
        CheckEnum("--act-mode", ActMode);
        CheckEnum("--weight-mode", WeightMode);
        CheckEnum("--granularity", Granularity);
        CheckEnum("--method", Method);
        CheckEnum("--weight-method", WeightMethod);

        if (!(Percentile > 50 && Percentile <= 100))
            throw new RecipeException("--percentile", $"--percentile {Percentile}: must be in (50, 100], e.g. 99.99.");
        if (!(NStd > 0) || !double.IsFinite(NStd))
            throw new RecipeException("n-std", $"n-std {NStd}: must be a positive number of standard deviations, e.g. 3.");
        if (Clip is { } clip && !(clip > 0 && double.IsFinite(clip)))
            throw new RecipeException("--clip", $"--clip {clip}: must be a positive finite value (inputs are clipped to [-V, V]).");
        if (ClipTable is { } table && string.IsNullOrWhiteSpace(table))
            throw new RecipeException("--clip-table", "--clip-table: the file name is empty.");
        if (TargetCosine is { } cosine && !(cosine > 0 && cosine <= 1))
            throw new RecipeException("--target-cosine", $"--target-cosine {cosine}: must be in (0, 1], e.g. 0.995.");
        if (MaxDrop is { } drop && !(drop >= 0 && double.IsFinite(drop)))
            throw new RecipeException("--max-drop", $"--max-drop {drop}: must be a non-negative number of accuracy points, e.g. 0.5.");
        if (CalibSize is { } size && size <= 0)
            throw new RecipeException("--calib-size", $"--calib-size {size}: must be a positive number of samples.");

        if (Stats is { } stats)
        {
            if (string.IsNullOrWhiteSpace(stats))
                throw new RecipeException("--stats", "--stats: the file name is empty.");
            if (CalibSize is { } n)
                throw new RecipeException("--calib-size", $"--calib-size {n} with --stats: the statistics are already collected; drop --calib-size, or give --data instead of --stats.");
        }

        if (BlockSize is not null || AccuracyLevel is not null || EmbeddingBits is not null || WeightMethod == WeightMethod.Hqq)
            ValidateBlocks(mode);
        if (EmpiricalBiasCorrection)
            ValidateEmpiricalBiasCorrection(mode);
        if (AccuracyGuard is { } guard && guard != AccuracyGuardOff)
            ValidateAccuracyGuard(guard, mode);

        CheckPatterns("--skip", Skip);
        if (SkipOp.Any(string.IsNullOrWhiteSpace))
            throw new RecipeException("--skip-op", "--skip-op: an op type is empty.");
        if (Data.Any(string.IsNullOrWhiteSpace))
            throw new RecipeException("--data", "--data: a SPEC is empty.");

        if (MinWeightSize is { } minSize)
            CheckWeightOnlyCount("min-weight-size", minSize);
        if (MinWeightChannels is { } minChannels)
            CheckWeightOnlyCount("min-weight-channels", minChannels);
        if (MixedInitScale is { } scale)
        {
            if (!(scale > 0 && scale < 1))
                throw new RecipeException("mixed-init-scale", $"mixed-init-scale {scale}: must be in (0, 1), e.g. 0.02.");
            if (!IsMixedWeightBits)
                throw new RecipeException("mixed-init-scale", $"mixed-init-scale with --weight-bits {WeightBits}: it only steers the mixed-bit search; use --weight-bits {RecipeNames.Mixed} or drop it.");
        }
        foreach (var entry in Overrides)
            ValidateOverride(entry);
        return this;
    }

    // Block-wise weights (MatMulNBits) take a narrower set of choices than per-channel ones; each other choice is refused by name.
    private void ValidateBlocks(string mode)
    {
        if (BlockSize is not { } block)
        {
            if (AccuracyLevel is { } level)
                throw new RecipeException("--accuracy-level", $"--accuracy-level {level} without --block-size: it sets the compute type of block-wise weights (MatMulNBits); add --block-size 32 or drop it.");
            if (EmbeddingBits is { } bits)
                throw new RecipeException("--embedding-bits", $"--embedding-bits {bits} without --block-size: it sets the bits of block-wise embedding tables; add --block-size 32 or drop it.");
            throw new RecipeException("--weight-method", $"--weight-method {RecipeNames.Name(WeightMethod)} fits the zero point of each block of block-wise weights; add --block-size 32 (with --mode weight-only).");
        }
        if (Mode != QuantizationMode.WeightOnly)
            throw new RecipeException("--block-size", $"--block-size {block} with --mode {mode}: block-wise weights are weight-only (ONNX Runtime's MatMulNBits); use --mode weight-only.");
        if (block < 16 || (block & (block - 1)) != 0)
            throw new RecipeException("--block-size", $"--block-size {block}: ONNX Runtime needs a power of two, at least 16, e.g. 32, 64 or 128.");
        if (IsMixedWeightBits || WeightBits is not (2 or 4 or 8))
            throw new RecipeException("--weight-bits", $"--weight-bits {RecipeNames.WeightBitsName(WeightBits)} with --block-size: MatMulNBits stores 2-, 4- or 8-bit weights.");
        if (EmbeddingBits is { } embeddingBits && embeddingBits is not (2 or 4 or 8))
            throw new RecipeException("--embedding-bits", $"--embedding-bits {embeddingBits}: block-wise tables are 2, 4 or 8 bits.");
        if (Granularity != Granularity.PerChannel)
            throw new RecipeException("--granularity", $"--granularity {RecipeNames.Name(Granularity)} with --block-size: blocks are finer than channels; drop one of them.");
        if (ReduceRange)
            throw new RecipeException("--reduce-range", "--reduce-range with --block-size: block-wise weights use every code of their bits; drop --reduce-range.");
        if (WeightMethod is not (WeightMethod.MinMax or WeightMethod.Hqq))
            throw new RecipeException("--weight-method", $"--weight-method {RecipeNames.Name(WeightMethod)} with --block-size: block-wise weights take minmax (round to nearest) or hqq.");
        if (WeightMethod == WeightMethod.Hqq && WeightMode == QuantMode.Symmetric)
            throw new RecipeException("--weight-mode", "--weight-method hqq fits a zero point per block, which symmetric weights do not have: add --weight-mode asym_u.");
        if (AccuracyLevel is { } accuracy && accuracy is < 0 or > 4)
            throw new RecipeException("--accuracy-level", $"--accuracy-level {accuracy}: MatMulNBits takes 0 (unset), 1 (fp32), 2 (fp16), 3 (bf16) or 4 (int8).");
        if (MinWeightSize is { } size)
            throw new RecipeException("min-weight-size", $"min-weight-size {size} with --block-size: block-wise quantization covers every MatMul/Gemm/Gather weight; skip layers with --skip or --skip-op instead.");
        if (MinWeightChannels is { } channels)
            throw new RecipeException("min-weight-channels", $"min-weight-channels {channels} with --block-size: block-wise quantization covers every MatMul/Gemm/Gather weight; skip layers with --skip or --skip-op instead.");
        foreach (var o in Overrides)
        {
            if (o.WeightBits is { } bits && bits is not (2 or 4 or 8))
                throw new RecipeException("overrides", $"overrides['{o.Pattern}'].weight-bits {bits} with --block-size: MatMulNBits stores 2-, 4- or 8-bit weights.");
            if (WeightMethod == WeightMethod.Hqq && o.WeightMode == QuantMode.Symmetric)
                throw new RecipeException("overrides", $"overrides['{o.Pattern}'].weight-mode sym with --weight-method hqq: HQQ fits a zero point per block; use asym_u.");
        }
    }

    // Every case the correction would otherwise skip without a word.
    private void ValidateEmpiricalBiasCorrection(string mode)
    {
        const string key = "empirical-bias-correction";
        if (Mode != QuantizationMode.Full)
            throw new RecipeException(key, $"{key} with --mode {mode}: it corrects the biases of a statically quantized model; use --mode full or drop it.");
        if (!BiasCorrection)
            throw new RecipeException(key, $"{key} with --bias-correction false: it extends bias correction; set --bias-correction true or drop it.");
        if (Stats is not null)
            throw new RecipeException(key, $"{key} with --stats: it measures layer outputs on calibration samples; give --data instead of --stats, or drop it.");
        if (EffectiveTargetCosine is not null)
            throw new RecipeException(key, $"{key} with a target search (--target-cosine, --weight-bits {RecipeNames.Mixed}, --act-bits {RecipeNames.Mixed}): the searches quantize from collected statistics; drop one of them.");
    }

    // An explicit guard that could not run would be ignored without a word.
    private void ValidateAccuracyGuard(double guard, string mode)
    {
        const string option = "--accuracy-guard";
        string given = RecipeNames.AccuracyGuardName(guard);
        if (!(guard > 0 && guard <= 1))
            throw new RecipeException(option, $"{option} {given}: must be in (0, 1], e.g. 0.995, or '{RecipeNames.Off}'.");
        if (EffectiveTargetCosine is not null)
            throw new RecipeException(option, $"{option} {given} with a target search (--target-cosine, --weight-bits {RecipeNames.Mixed}, --act-bits {RecipeNames.Mixed}): the search already holds the output to its target; drop one of them.");
        if (EmpiricalBiasCorrection)
            throw new RecipeException(option, $"{option} {given} with empirical-bias-correction: the guard's search quantizes from collected statistics and would drop the correction; drop one of them.");
        if (!HasCheckSamples)
            throw new RecipeException(option, $"{option} {given} without --data: it compares the output with float on samples; add --data with a few samples (with --stats or --mode {mode} they are only used for the check), or drop it.");
    }

    private void ValidateMixedActBits(string mode)
    {
        if (Mode != QuantizationMode.Full)
            throw new RecipeException("--act-bits", $"--act-bits {RecipeNames.Mixed} with --mode {mode}: the search fixes activation ranges from calibration data, which only --mode full does; use --mode full or --act-bits 8.");
        if (IsMixedWeightBits)
            throw new RecipeException("--act-bits", $"--act-bits {RecipeNames.Mixed} with --weight-bits {RecipeNames.Mixed}: one mixed-bit search at a time; give --weight-bits N (e.g. 8) or --act-bits N.");
    }

    private void CheckWeightOnlyCount(string key, int value)
    {
        if (value < 0)
            throw new RecipeException(key, $"{key} {value}: must be zero or positive.");
        if (Mode != QuantizationMode.WeightOnly)
            throw new RecipeException(key, $"{key} with --mode {RecipeNames.Name(Mode)}: it applies to weight-only quantization only (as in MindSpore); drop it or use --mode weight-only.");
    }

    private static void ValidateOverride(LayerOverride entry)
    {
        string where = $"overrides['{entry.Pattern}']";
        if (string.IsNullOrWhiteSpace(entry.Pattern))
            throw new RecipeException("overrides", "overrides: a layer name or pattern is empty.");
        if (entry.ActBits is { } a) CheckBits($"{where}.act-bits", a, 2);
        if (entry.WeightBits is { } w) CheckBits($"{where}.weight-bits", w, 1);
        if (entry.ActMode is { } am) CheckEnum($"{where}.act-mode", am);
        if (entry.WeightMode is { } wm) CheckEnum($"{where}.weight-mode", wm);
        if (entry.Method is { } m) CheckEnum($"{where}.method", m);
    }

    private static void CheckBits(string option, int bits, int min)
    {
        if (bits < min || bits > 16)
            throw new RecipeException(option, $"{option} {bits}: {bits} bits are not supported; use {min} to 16.");
    }

    private static void CheckEnum<T>(string option, T value) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new RecipeException(option, $"{option}: unknown value {value}.");
    }

    /// <summary>Only emptiness is checked: an entry that is not a valid regular expression may still be an exact node name, which only the model can tell.</summary>
    private static void CheckPatterns(string option, IReadOnlyList<string> patterns)
    {
        foreach (string pattern in patterns)
            if (string.IsNullOrWhiteSpace(pattern))
                throw new RecipeException(option, $"{option}: a node name or pattern is empty.");
    }
}
