using System.Runtime.CompilerServices;
using Ptq.Calibration;
using Ptq.Data;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Pipeline.Reconstruction;

namespace Ptq.Recipes;

public sealed partial record QuantizationRecipe
{
    /// <summary>
    /// The options set in this recipe that the pipeline cannot honour yet (empty when it can run as asked), in table
    /// order: those <see cref="RecipeOptions"/> marks not implemented, alone, for a value, or in a combination.
    /// </summary>
    internal IReadOnlyList<RecipeFeature> UnsupportedFeatures() =>
        [.. RecipeOptions.All.Where(o => o.IsNotImplementedIn(this)).Select(o => new RecipeFeature(o, o.Format(this) ?? ""))];

    /// <summary>Returns this recipe when <see cref="UnsupportedFeatures"/> is empty.</summary>
    /// <exception cref="RecipeException">Naming every option the pipeline cannot honour yet.</exception>
    public QuantizationRecipe EnsureSupported()
    {
        var unsupported = UnsupportedFeatures();
        if (unsupported.Count > 0)
            throw new RecipeException(unsupported[0].Option, FormattableStringFactory.Create(
                "not implemented yet: " + string.Join(", ", unsupported.Select((_, i) => $"{{{i}}}")) +
                ". Ptq refuses rather than ignore them; remove them from the command line or recipe.", [.. unsupported.Cast<object>()]));
        return this;
    }

    /// <summary>
    /// The static quantizer's settings: activation and weight schemes (weights narrow-range when symmetric, reduce-range on
    /// weights), per-channel weights unless per-tensor, BatchNorm folding, skip lists. Validates first.
    /// <paramref name="hasData"/> says whether calibration samples will be given (default: whether <see cref="Data"/>
    /// names any), which decides the default weight method (<see cref="WeightMethodFor"/>).
    /// </summary>
    /// <exception cref="RecipeException">The recipe is invalid, or uses an option the pipeline cannot honour yet.</exception>
    internal StaticQuantizationSettings ToStaticSettings(bool? hasData = null)
    {
        Validate().EnsureSupported();
        return new StaticQuantizationSettings
        {
            Activations = new QuantScheme(EffectiveActBits, ActMode),
            // Mixed bits start every layer at 4 bits; the search raises sensitive layers to 8.
            Weights = new QuantScheme(IsMixedWeightBits ? 4 : WeightBits, WeightMode, NarrowRange: WeightMode == QuantMode.Symmetric, ReduceRange: ReduceRange),
            EdgeWeights = EdgeWeightBits is { } edgeBits ? new QuantScheme(edgeBits, WeightMode, NarrowRange: WeightMode == QuantMode.Symmetric, ReduceRange: ReduceRange) : null,
            PerChannelWeights = Granularity != Granularity.PerTensor,
            FoldBatchNorm = FoldBn,
            BiasCorrection = BiasCorrection,
            MinimumRealRange = MinRealRange,
            FloatWeightsWithQdq = WeightQdqPair,
            DedicatedQdqPairs = DedicatedQdqPair,
            QuantizedParameters = !QuantizeWeights ? QuantizedParameters.None : QuantizeBias ? QuantizedParameters.WeightsAndBiases : QuantizedParameters.WeightsOnly,
            EmpiricalBiasCorrection = EmpiricalBiasCorrection,
            GemmInputClip = Clip,
            CrossLayerEqualization = Cle,
            SmoothQuantAlpha = SmoothQuant == SmoothQuantAuto ? DefaultSmoothQuantAlpha : SmoothQuant,
            SmoothQuantSearch = SmoothQuant == SmoothQuantAuto,
            // Block-wise-only methods (hqq, awq) reach the quantizer through ToBlockOptions; per channel they round to nearest.
            WeightMethod = WeightMethodFor(hasData ?? Data.Count > 0) is var method && method is Quantization.WeightMethod.Hqq or Quantization.WeightMethod.Awq ? Quantization.WeightMethod.MinMax : method,
            Reconstruction = new WeightReconstructionSettings
            {
                Samples = ReconSamples ?? WeightReconstructionSettings.DefaultSamples,
                Iterations = AdaroundIterations ?? WeightReconstructionSettings.DefaultIterations,
                // The mixed 4/8 search keeps more layers at 4 bits for the same target with act-order (SqueezeNet 73.6 % of the
                // weights against 41.6 %, the CIFAR-10 CNN 76.6 % against 47.9 %); plain 4-bit CNN weights gain nothing from it.
                ActOrder = ActOrder ?? (WeightBits == MixedBits && WeightMethodFor(hasData ?? Data.Count > 0) == Quantization.WeightMethod.Gptq
                    || new WeightReconstructionSettings().ActOrder),
            },
            TensorClips = ClipTable is { } table ? Flatten(BoltClipTableReader.Load(table)) : null,
            NetAwareClipping = NetAwareClip,
            ConcatSharedScale = ConcatSharedScale,
            // No-clip layers keep min/max ranges; they come after the explicit overrides, which win.
            Overrides = [.. Overrides.Select(ToNodeOverride), .. NoClip.Select(pattern => new NodeOverride { Pattern = pattern, Method = CalibrationMethod.MinMax })],
            SkipNodes = Skip,
            SkipOpTypes = SkipOp,
            TensorOverrides = TensorOverrides is { } overrides ? TensorOverridesReader.Load(overrides) : new Dictionary<string, TensorOverride>(),
            OnlyNodes = Only.Count > 0 ? Only : null,
            OnlyOpTypes = OnlyOp.Count > 0 ? OnlyOp : null,
        };
    }

    // Bolt lists clips per layer and role; the quantizer needs them per tensor (the last listing of a tensor wins).
    private static Dictionary<string, double> Flatten(ClipTable table)
    {
        var clips = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (_, layer) in table.Layers)
            foreach (var (tensor, clip) in layer.Inputs.Concat(layer.Weights).Concat(layer.Outputs))
                clips[tensor] = clip;
        return clips;
    }

    private NodeOverride ToNodeOverride(LayerOverride o) => new()
    {
        Pattern = o.Pattern,
        Skip = o.Skip,
        Method = o.Method,
        Weights = o.WeightBits is null && o.WeightMode is null ? null
            : new QuantScheme(o.WeightBits ?? WeightBits, o.WeightMode ?? WeightMode, NarrowRange: (o.WeightMode ?? WeightMode) == QuantMode.Symmetric, ReduceRange: ReduceRange),
        Activations = o.ActBits is null && o.ActMode is null ? null : new QuantScheme(o.ActBits ?? EffectiveActBits, o.ActMode ?? ActMode),
    };

    /// <summary>The block-wise options when <see cref="BlockSize"/> is set (weight-only MatMulNBits), else null. Validates first.</summary>
    /// <exception cref="RecipeException">The recipe is invalid.</exception>
    internal BlockQuantizationOptions? ToBlockOptions() => Validate().BlockSize is { } block
        ? new BlockQuantizationOptions
        {
            BlockSize = block,
            Method = WeightMethod switch
            {
                Quantization.WeightMethod.Hqq => Quantization.Blockwise.BlockMethod.Hqq,
                Quantization.WeightMethod.Gptq => Quantization.Blockwise.BlockMethod.Gptq,
                Quantization.WeightMethod.Awq => Quantization.Blockwise.BlockMethod.Awq,
                _ => Quantization.Blockwise.BlockMethod.Rtn,
            },
            AccuracyLevel = AccuracyLevel ?? BlockQuantizationOptions.DefaultAccuracyLevel,
            EmbeddingBits = EmbeddingBits ?? BlockQuantizationOptions.DefaultEmbeddingBits,
        }
        : null;

    /// <summary>LAPQ's bounds (<see cref="CalibrationMethod.Lapq"/>): sweeps, evaluations, samples and starting norm, defaults where unset.</summary>
    internal Tuning.Lapq.LapqSettings ToLapqSettings() => new()
    {
        Iterations = LapqIterations ?? Tuning.Lapq.LapqSettings.DefaultIterations,
        MaxEvaluations = LapqMaxEvals,
        Samples = LapqSamples ?? Tuning.Lapq.LapqSettings.DefaultSamples,
        InitNorm = LapqInitP,
        SoftmaxDivergence = LapqKl,
    };

    /// <summary>Activation calibration settings: <see cref="Method"/>, <see cref="Percentile"/>, <see cref="NStd"/>. Validates first.</summary>
    /// <exception cref="RecipeException">The recipe is invalid.</exception>
    internal CalibrationSettings ToCalibrationSettings()
    {
        Validate();
        return new CalibrationSettings
        {
            Method = Method,
            Estimator = new RangeEstimatorOptions { Percentile = Percentile, NStd = NStd, LpNorm = LapqInitP },
            HistogramBins = HistogramBins ?? new CalibrationSettings().HistogramBins,
            EmaMomentum = EmaConstant is double c ? 1 - c : new CalibrationSettings().EmaMomentum,
        };
    }

    /// <summary>
    /// Calibration data options: <see cref="Preprocessing"/>, <see cref="CalibSize"/> as the sample limit,
    /// <see cref="Recursive"/>, <see cref="SkipCorrupt"/> and <see cref="MaxImagePixels"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The limit or pixel count is not positive (<see cref="Validate"/> names the option instead).</exception>
    public DataSourceOptions ToSourceOptions() => new()
    {
        Preprocessing = Preprocessing, Limit = CalibSize, Recursive = Recursive, SkipCorrupt = SkipCorrupt, MaxImagePixels = MaxImagePixels,
    };
}
