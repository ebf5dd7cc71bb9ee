using System.Globalization;
using Ptq.Calibration;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Quantization.Blockwise;
using Ptq.Runtime;
using Ptq.Tuning;

namespace Ptq.Recipes;

/// <summary>What <c>RecipeQuantizer.Run</c> produced (the internals behind <see cref="QuantizationResult"/>).</summary>
/// <param name="Result">The quantization written out.</param>
/// <param name="Fallback">The target search (--target-cosine, --weight-bits mixed or --act-bits mixed), when one ran.</param>
/// <param name="TargetCosine">The target the search aimed at, when one ran.</param>
/// <param name="SkippedFiles">Unreadable calibration files skipped (--skip-corrupt).</param>
/// <param name="Guard">The accuracy guard's check (and search, when the check failed), when the guard ran.</param>
internal sealed record RecipeQuantizationResult(StaticQuantizationResult Result, FallbackResult? Fallback, double? TargetCosine, int SkippedFiles,
    GuardResult? Guard = null)
{
    /// <summary>How ONNX Runtime ran the model before it was returned (<see cref="ModelVerifier"/>).</summary>
    public required ModelVerification Verification { get; init; }

    /// <summary>Mean output cosine of <see cref="Result"/> against the float model on <see cref="CheckSamples"/>; null without data.</summary>
    public double? CheckCosine { get; init; }

    /// <summary>Samples the output was compared on (0 without data, or when the model has no float output).</summary>
    public int CheckSamples { get; init; }

    /// <summary>Why the output was not compared although samples were given (a model with integer outputs only), or null.</summary>
    public string? CheckNotRun { get; init; }

    /// <summary>The requantization scales as integer multiplier and shift (<c>--scale-approx-bits</c>), per layer, or null.</summary>
    public IReadOnlyList<ScaleApproximationRecord>? ScaleApproximation { get; init; }

    /// <summary>LAPQ's search (<c>--method lapq</c>), or null.</summary>
    public Tuning.Lapq.LapqResult? Lapq { get; init; }

    /// <summary>What <c>--format qoperator</c> converted, or null for QDQ output.</summary>
    public QOperatorConversion? QOperator { get; init; }

    /// <summary>Things the user should know that do not stop the run (too few samples…), one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>What <c>--float-ops-fp16</c> converted, or null.</summary>
    public Fp16FloatOpsResult? Fp16FloatOps { get; init; }

    /// <summary>With <c>float-weights-fp16</c>: how many float weights were stored as float16; else null.</summary>
    public int? Fp16FloatWeights { get; init; }

    /// <summary>What <c>--per-channel-acts</c> converted, or null.</summary>
    public PerChannelActivationResult? PerChannelActivations { get; init; }

    /// <summary>The weight-only mixed-bit allocation (<c>--weight-bits mixed --mode weight-only</c>, MindSpore's bit_num=0), or null.</summary>
    public MixedWeightAllocation? MixedWeights { get; init; }

    /// <summary>
    /// Why the model written falls short of what was asked — below the accuracy guard, a missed target, nothing
    /// quantized — or null. The model is still returned so it can be inspected; the CLI exits with 1.
    /// </summary>
    public string? Shortfall { get; init; }
}

/// <summary>
/// Runs a whole <see cref="QuantizationRecipe"/>: picks weight-only, dynamic, fp16 or static quantization, with a stats
/// file or streamed data, the target searches (--target-cosine, --weight-bits mixed, --act-bits mixed) and the accuracy
/// guard, then verifies the result in ONNX Runtime. What <c>ptq quantize</c> does; <see cref="Quantizer"/> is its public face.
/// </summary>
internal static class RecipeQuantizer
{
    /// <summary>
    /// Samples that form the check set of a target search or the accuracy guard, spread evenly over the calibration
    /// samples (there is no held-out data; <see cref="ICalibrationSource.Spread"/>), or with --stats over those --data gives.
    /// </summary>
    public const int CheckSamples = 32;

    /// <summary>Fewer calibration samples than this get a warning: ranges from so few are a matter of luck.</summary>
    public const int MinRecommendedSamples = 16;

    /// <summary>
    /// Quantizes <paramref name="model"/> as <paramref name="recipe"/> says and verifies the result: ONNX Runtime loads
    /// it and runs it at the batch sizes of the check samples (made-up inputs without data) with the float model's output
    /// shapes, and with data its output cosine against float is measured. <paramref name="sourceOptions"/> overrides the
    /// recipe's own source options (<see cref="QuantizationRecipe.ToSourceOptions"/>). Throws <see cref="PtqException"/> for
    /// contradictions such as statistics given to a data-free mode, and <see cref="OutputVerificationException"/> when the
    /// result fails verification (Ptq's fault; nothing should be written).
    /// </summary>
    public static RecipeQuantizationResult Run(OnnxModel model, QuantizationRecipe recipe, DataSourceOptions? sourceOptions = null,
        IProgress<CalibrationProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default) =>
        Run(model, recipe, recipe.Data.Count > 0 ? CalibrationSources.Create(ModelInputs.Of(model), recipe.Data, sourceOptions ?? recipe.ToSourceOptions()) : null,
            progress, log, cancellationToken);

    /// <summary>As <see cref="Run(OnnxModel, QuantizationRecipe, DataSourceOptions?, IProgress{CalibrationProgress}?, IProgress{string}?, CancellationToken)"/>, with the samples given as a source (the recipe's --data is not read).</summary>
    public static RecipeQuantizationResult Run(OnnxModel model, QuantizationRecipe recipe, ICalibrationSource? source,
        IProgress<CalibrationProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var settings = recipe.ToStaticSettings(hasData: source is not null);
        if (source is null && ReconstructionWithoutData(recipe) is { } option)
            throw new RecipeException(option, $"{option} {(recipe.WeightMethod is { } method ? Codecs.WeightMethods.Name(method) + " " : "")}asks for weights reconstructed from the layer inputs of calibration samples; add {RecipeOptions.Data}.");
        var calibration = recipe.ToCalibrationSettings();
        bool dataFree = recipe.Mode is QuantizationMode.WeightOnly or QuantizationMode.Dynamic or QuantizationMode.Fp16;
        if (dataFree && recipe.Stats is not null)
            throw new RecipeException(RecipeOptions.Stats, $"{RecipeOptions.Mode} {Codecs.Modes.Name(recipe.Mode)} fixes no activation ranges in advance, so statistics are not used; drop {RecipeOptions.Stats} ({RecipeOptions.Data} is used only to check the output)");
        if (!dataFree && recipe.Stats is not null && recipe.Cle)
            throw new RecipeException(RecipeOptions.Cle, $"{RecipeOptions.Cle} changes the weights before calibration, so statistics from 'ptq calibrate' do not fit; give {RecipeOptions.Data} instead of {RecipeOptions.Stats}");
        if (!dataFree && recipe.Stats is null && source is null)
            throw new RecipeException(RecipeOptions.Data, $"give calibration data with {RecipeOptions.Data} SPEC, or statistics from 'ptq calibrate' with {RecipeOptions.Stats} FILE");

        // With --stats or a data-free mode, --data only supplies the check samples.
        var warnings = new List<string>();
        if (source is not null && !dataFree && recipe.Stats is null && source.Count < MinRecommendedSamples)
            warnings.Add($"only {source.Count} calibration sample(s): ranges from so few are unreliable; give at least 100 with --data");
        var check = source is null ? null : CheckSet.Of(source);

        var outcome = dataFree
            ? DataFree(model, recipe, settings, source, check, log)
            : Static(model, recipe, settings, calibration, source, check, progress, log, cancellationToken);
        var result = outcome.Guard?.Result ?? outcome.Fallback?.Result ?? outcome.Plain!;
        if (outcome.Guard is { Search: { } search } kept && ReferenceEquals(search.Result, kept.Result) && search.Reverted.Count * 2 > search.Candidates)
            warnings.Add($"the accuracy guard {search.Describe()} to reach {kept.Guard}: " + (search.RaisedToBits is null
                ? "most of the model runs in float, so it gains little speed; 'ptq debug' shows which layers lose the most"
                : $"most weights no longer have {settings.Weights.Bits} bits; {(settings.EdgeWeights is null ? "--edge-weight-bits 8, " : "")}" +
                  "--weight-bits mixed with a lower --target-cosine, or a lower --accuracy-guard keep more of them"));

        // QOperator is written from the QDQ model the searches and the guard chose; its own outputs are then verified and measured.
        QOperatorConversion? conversion = null;
        PerChannelActivationResult? perChannel = null;
        var measured = outcome.Check;
        if (recipe.PerChannelActs)
        {
            // Per-channel ranges need samples run through the float model; statistics from a file hold per-tensor ones only.
            if (source is null)
                throw new RecipeException(RecipeOptions.PerChannelActs, $"{RecipeOptions.PerChannelActs} measures every activation per channel on calibration samples; add {RecipeOptions.Data}");
            perChannel = PerChannelActivations.Apply(result, Feeds(source), source.Count, calibration.Runner, cancellationToken);
            result = perChannel.Result;
            log?.Report($"per-channel activations: {perChannel.Converted.Count} converted" +
                        string.Concat(perChannel.Kept.Select(k => $"; '{k.Tensor}' kept per tensor: {k.Reason}")));
            measured ??= check is null ? null : AccuracyGuard.CheckFor(model, result, check.Feeds, check.Names, log);
        }
        IReadOnlyList<ScaleApproximationRecord>? approximation = null;
        if (recipe.ScaleApproxBits is int approxBits)
        {
            if (recipe.ScaleApproxBake)
            {
                (var baked, approximation) = ScaleApproximation.Bake(result.Model, approxBits);
                result = result with { Model = baked };
                measured ??= check is null ? null : AccuracyGuard.CheckFor(model, result, check.Feeds, check.Names, log);
            }
            else
            {
                approximation = ScaleApproximation.Analyse(result.Model, approxBits);
            }
        }
        if (recipe.Format == OutputFormat.QOperator)
        {
            (var converted, conversion) = QOperatorConverter.Convert(result.Model);
            result = result with { Model = converted };
            measured ??= check is null ? null : AccuracyGuard.CheckFor(model, result, check.Feeds, check.Names, log);
        }
        Fp16FloatOpsResult? fp16 = null;
        if (recipe.FloatOpsFp16)
        {
            var sample = check is { Feeds.Count: > 0 } ? check.Feeds[0] : ModelVerifier.MadeUpSamples(model, 1)[0];
            fp16 = Fp16FloatOps.Apply(result, sample);
            result = fp16.Result;
            log?.Report($"float16 float operators: {fp16.Converted.Count} converted" + string.Concat(fp16.Kept.Select(k => $"; '{k.Node}' kept float32: {k.Reason}")));
            measured ??= check is null ? null : AccuracyGuard.CheckFor(model, result, check.Feeds, check.Names, log);
        }
        int? fp16Weights = null;
        if (recipe.FloatWeightsFp16)
        {
            (result, int converted) = Fp16StorageConverter.StoreFloatWeights(result);
            fp16Weights = converted;
            log?.Report($"float16 weights: {converted} float weight(s) stored as float16");
            if (converted > 0)
                measured ??= check is null ? null : AccuracyGuard.CheckFor(model, result, check.Feeds, check.Names, log);
        }
        var runAt = perChannel is null ? null : PerChannelActivations.OrtLevel;
        var verification = ModelVerifier.Verify(measured?.Reference ?? OutputCheck.ReferenceModel(model, () => result.PreparedFloatModel),
            result.Model, check?.Feeds ?? [], runAt, cancellationToken: cancellationToken);
        double? cosine = conversion is not null || perChannel is not null || fp16 is not null || recipe.ScaleApproxBake || fp16Weights > 0 ? measured?.Cosine(result.Model, runAt)
            : outcome.Guard is { Ran: true } guard ? guard.Cosine
            : outcome.Fallback is { } fallback ? fallback.Cosine
            : outcome.Check?.Cosine(result);
        return new RecipeQuantizationResult(result, outcome.Fallback, outcome.Target, source?.SkippedFiles ?? 0, outcome.Guard)
        {
            Lapq = outcome.Lapq,
            ScaleApproximation = approximation,
            QOperator = conversion,
            Verification = verification,
            CheckCosine = cosine,
            CheckSamples = cosine is null ? 0 : check!.Feeds.Count,
            CheckNotRun = check is not null && cosine is null ? "the model has no float output to compare (integer outputs hold indices, not signal)" : null,
            Warnings = warnings,
            Shortfall = Shortfall(recipe, result, outcome, cosine, check?.Feeds.Count ?? 0),
            MixedWeights = outcome.Mixed,
            PerChannelActivations = perChannel,
            Fp16FloatOps = fp16,
            Fp16FloatWeights = fp16Weights,
        };
    }

    /// <summary>The option that asks for GPTQ or AdaRound (explicitly, or through one of their knobs), or null.</summary>
    private static RecipeOption? ReconstructionWithoutData(QuantizationRecipe recipe) =>
        recipe.WeightMethod is Quantization.WeightMethod.Gptq or Quantization.WeightMethod.AdaRound or Quantization.WeightMethod.Awq ? RecipeOptions.WeightMethod
        : recipe.ReconSamples is not null ? RecipeOptions.ReconSamples
        : recipe.AdaroundIterations is not null ? RecipeOptions.AdaroundIterations
        : recipe.ActOrder is not null ? RecipeOptions.ActOrder
        : null;

    /// <summary>What the mode-specific part produced: a plain result, or a guard or target search over one.</summary>
    private sealed record Outcome(StaticQuantizationResult? Plain, GuardResult? Guard, FallbackResult? Fallback, double? Target, OutputCheck? Check)
    {
        /// <summary>The weight-only mixed-bit allocation (MindSpore's bit_num=0), when it ran.</summary>
        public MixedWeightAllocation? Mixed { get; init; }

        /// <summary>LAPQ's search, when the recipe's method is lapq.</summary>
        public Tuning.Lapq.LapqResult? Lapq { get; init; }
    }

    /// <summary>True when some activation's method is lapq (the recipe's, or an override's).</summary>
    private static bool UsesLapq(QuantizationRecipe recipe) =>
        recipe.Method == CalibrationMethod.Lapq || recipe.Overrides.Any(o => o.Method == CalibrationMethod.Lapq);

    private static Outcome DataFree(OnnxModel model, QuantizationRecipe recipe, StaticQuantizationSettings settings, ICalibrationSource? source,
        CheckSet? checkSet, IProgress<string>? log)
    {
        // Weight-only reconstruction (and AWQ's search) reads samples spread over --data, apart from the check set (Reconstruction below).
        var samples = (settings.ReconstructsWeights || recipe.WeightMethod == Quantization.WeightMethod.Awq) && source is not null
            ? Feeds(Reconstruction(source, settings.Reconstruction.Samples)).ToList() : null;
        var blockCodes = new Dictionary<string, BlockQuantizedRows>(StringComparer.Ordinal);
        // SmoothQuant's per-channel maxima: one pass, shared by the guard's search steps.
        var smoothingLog = log;
        var smoothing = recipe.Mode == QuantizationMode.Dynamic && settings.SmoothQuantAlpha is not null
            ? DynamicQuantizer.SmoothingStatistics(model, settings, Feeds(source ?? throw new RecipeException(RecipeOptions.SmoothQuant,
                $"{RecipeOptions.SmoothQuant} measures activations per channel on calibration samples; add {RecipeOptions.Data}")), source.Count, recipe.ToCalibrationSettings().Runner)
            : null;
        var smoothingRows = smoothing is not null && settings.SmoothQuantSearch
            ? DynamicQuantizer.SmoothingRowsOf(model, settings, [.. Feeds(source!.Spread(SmoothingRows.Samples))]) : null;
        Func<StaticQuantizationSettings, StaticQuantizationResult> quantize = recipe.Mode switch
        {
            // What was smoothed is reported once, for the plain quantization, not again for each search step.
            QuantizationMode.Dynamic => s => DynamicQuantizer.Quantize(model, s, smoothing, Interlocked.Exchange(ref smoothingLog, null), smoothingRows),
            QuantizationMode.Fp16 => s => Fp16StorageConverter.Convert(model, s),
            // GPTQ's block codes are chosen once, for the plain quantization; the guard's steps write them back.
            _ when recipe.ToBlockOptions() is { } blocks => s => BlockWeightQuantizer.Quantize(model, s, blocks, samples, log, blockCodes),
            _ => s => WeightOnlyQuantizer.Quantize(model, s, recipe.MinWeightSize ?? 0, recipe.MinWeightChannels ?? 0, samples, log),
        };
        MixedWeightAllocation? mixed = null;
        if (recipe.Mode == QuantizationMode.WeightOnly && recipe.IsMixedWeightBits && recipe.BlockSize is null)
        {
            (mixed, quantize) = MixedWeights(model, recipe, settings, quantize, checkSet, log);
        }
        var plain = mixed?.Result ?? quantize(settings);
        // The guard's search quantizes again with layers kept float: it writes back the codes reconstructed and the
        // smoothing searched here.
        settings = settings with { ReusedReconstruction = plain.Reconstruction, ReusedSmoothingAlphas = plain.SmoothingAlphas };
        var check = checkSet is null ? null : AccuracyGuard.CheckFor(model, plain, checkSet.Feeds, checkSet.Names, log);
        if (check is null || recipe.AccuracyGuardFor(hasCheckSamples: true) is not double guard)
            return new Outcome(plain, null, null, null, check) { Mixed = mixed };
        return new Outcome(plain, AccuracyGuard.DataFree(quantize, settings, plain, check, guard, log), null, null, check) { Mixed = mixed };
    }

    /// <summary>
    /// MindSpore's weight-only mixed bits (<c>--weight-bits mixed</c> with <c>--mode weight-only</c>): the bit widths
    /// <see cref="QuantizationRecipe.MixedInitScale"/> gives, or with <see cref="QuantizationRecipe.TargetCosine"/>
    /// (auto_tune) those of the init_scale searched on the check samples (made-up inputs without data, as MindSpore).
    /// Returns the allocation and a quantizer that keeps it (for the accuracy guard's steps).
    /// </summary>
    private static (MixedWeightAllocation, Func<StaticQuantizationSettings, StaticQuantizationResult>) MixedWeights(OnnxModel model, QuantizationRecipe recipe,
        StaticQuantizationSettings settings, Func<StaticQuantizationSettings, StaticQuantizationResult> quantize, CheckSet? checkSet, IProgress<string>? log)
    {
        bool madeUp = recipe.TargetCosine is not null && checkSet is null;
        var feeds = recipe.TargetCosine is null ? null : checkSet?.Feeds ?? ModelVerifier.MadeUpSamples(model, CheckSamples);
        Func<StaticQuantizationResult, OutputCheck>? checkFor = feeds is null ? null
            : r => AccuracyGuard.CheckFor(model, r, feeds, madeUp ? null : checkSet!.Names, log)
                   ?? throw new RecipeException(RecipeOptions.TargetCosine, $"{RecipeOptions.TargetCosine} compares the output with float, and the model has no float output; drop it");
        var mixed = InitScaleSearch.Quantize(quantize, settings, recipe.MixedInitScale ?? QuantizationRecipe.DefaultMixedInitScale, recipe.TargetCosine, checkFor, madeUp, log);
        var allocated = WeightBitAllocation.Overrides(mixed.Layers, settings.Weights);
        return (mixed, s => quantize(s with { Overrides = [.. s.Overrides, .. allocated] }));
    }

    private static Outcome Static(OnnxModel model, QuantizationRecipe recipe, StaticQuantizationSettings settings, CalibrationSettings calibration,
        ICalibrationSource? source, CheckSet? checkSet, IProgress<CalibrationProgress>? progress, IProgress<string>? log, CancellationToken cancellationToken)
    {
        CalibrationInput input = recipe.Stats is { } statsPath
            ? new CalibrationInput.FromStats(StatsFiles.Load(statsPath, model), calibration)
            : new CalibrationInput.FromSamples(Feeds(source!), source!.Count, calibration, progress, cancellationToken) { Spreader = n => Feeds(Reconstruction(source, n)) };
        if (recipe.EffectiveTargetCosine is double target)
        {
            if (checkSet is null)
                throw new RecipeException(SearchOption(recipe), $"{SearchOption(recipe)}{SearchValue(recipe)} measures the output on samples; add {RecipeOptions.Data} (with {RecipeOptions.Stats} it only supplies the check samples)");
            // The activation search may keep every ranked activation float: a stated target is missed only when float activations miss it too.
            var fallback = recipe.IsMixedActBits ? MixedActivationBits.Quantize(model, settings, input, checkSet.Feeds, target, maxPromoted: int.MaxValue, log: log)
                : recipe.IsMixedWeightBits ? MixedWeightBits.Quantize(model, settings, input, checkSet.Feeds, target, log: log)
                : AccuracyFallback.Quantize(model, settings, input, checkSet.Feeds, target, log: log);
            return new Outcome(null, null, fallback, target, null);
        }
        // One preparation and one calibration pass; when the guard may search, the pass also observes what its steps need.
        bool guardSearches = checkSet is not null && recipe.AccuracyGuardFor(hasCheckSamples: true) is not null && recipe.AccuracyGuardSearches;
        var run = StaticRun.Create(model, settings, input, forVariants: guardSearches, log);
        var plain = run.Plain;
        Tuning.Lapq.LapqResult? lapq = null;
        if (UsesLapq(recipe))
        {
            // LAPQ's samples are spread over the data apart from the check set, so the guard judges clips on other images.
            if (source is null)
                throw new RecipeException(RecipeOptions.Method, $"{RecipeOptions.Method} lapq measures the output against float on samples; add {RecipeOptions.Data} (with {RecipeOptions.Stats} it only supplies those samples).");
            var lapqSettings = recipe.ToLapqSettings();
            var samples = Feeds(source!.SpreadOutside(lapqSettings.Samples, CheckSamples)).ToList();
            lapq = Tuning.Lapq.LossAwareClipping.Search(run, settings, samples, lapqSettings, log, cancellationToken);
            (plain, settings) = (lapq.Result, lapq.Settings);
        }
        // The check samples are read only after calibration, so they do not add to its peak memory.
        var check = checkSet is null ? null : AccuracyGuard.CheckFor(model, plain, checkSet.Feeds, checkSet.Names, log);
        if (check is null || recipe.AccuracyGuardFor(hasCheckSamples: true) is not double guard)
            return new Outcome(plain, null, null, null, check) { Lapq = lapq };
        if (!recipe.AccuracyGuardSearches)
            return new Outcome(plain, AccuracyGuard.CheckOnly(plain, check, guard, log), null, null, check) { Lapq = lapq };
        return new Outcome(plain, AccuracyGuard.Static(run, settings, check, guard, log, plain), null, null, check) { Lapq = lapq };
    }

    private static string? Shortfall(QuantizationRecipe recipe, StaticQuantizationResult result, Outcome outcome, double? cosine, int samples)
    {
        if (NothingQuantized(recipe, result) is { } nothing && outcome.Guard?.Search is null)
            return outcome.Fallback is { Reverted.Count: > 0 } reverted
                ? string.Create(CultureInfo.InvariantCulture, $"the target search reached output cosine {reverted.Cosine:F5} only by putting every quantized node back to float: nothing is quantized; try a lower --target-cosine or more bits")
                : nothing;
        if (outcome.Mixed is { TargetMet: false, TargetCosine: double autoTune } mixed)
            return string.Create(CultureInfo.InvariantCulture,
                $"target cosine {autoTune} not met: no init_scale the search tried reaches it ({mixed.Steps.Max(s => s.Cosine):F5} at best{(mixed.MadeUpInputs ? " on made-up inputs; give --data" : "")}); written with init_scale {mixed.InitScale} (output cosine {mixed.Cosine:F5})");
        if (outcome.Fallback is { TargetMet: false } search && outcome.Target is double target)
        {
            string how = recipe.IsMixedActBits ? $"with {search.Reverted.Count} activations kept float"
                : recipe.IsMixedWeightBits ? $"with {search.Reverted.Count} layers raised to 8-bit weights"
                : $"with {search.Reverted.Count} nodes reverted to float";
            return string.Create(CultureInfo.InvariantCulture,
                $"target cosine {target} not met: reached {search.Cosine:F5} {how}, {target - search.Cosine:F5} short; the model is written anyway");
        }
        if (recipe.Format == OutputFormat.QOperator && outcome.Target is double wanted && cosine < wanted)
            return string.Create(CultureInfo.InvariantCulture,
                $"target cosine {wanted} met in QDQ form, but the QOperator model reaches {cosine:F5} on {samples} samples; use --format qdq");
        if (outcome.Guard is { Ran: true } guard && cosine < guard.Guard)
            return string.Create(CultureInfo.InvariantCulture,
                $"output cosine {cosine:F5} against float on {samples} calibration samples is below the accuracy guard {guard.Guard}") + GuardAdvice(recipe, guard);
        return null;
    }

    private static string GuardAdvice(QuantizationRecipe recipe, GuardResult guard)
    {
        string kept = guard.Search is { } search
            ? string.Create(CultureInfo.InvariantCulture, $" (the best the search found while still quantizing: {search.Describe()}, cosine {search.Cosine:F5})")
            : "";
        string more = recipe.Mode == QuantizationMode.Full ? "more bits (--act-bits 16, --weight-bits 8)" : "more bits (--weight-bits 8)";
        return $"{kept}; the model is written so you can inspect it: 'ptq debug' shows where the error comes from; try {more} " +
               "or skip layers (--skip), or accept it with --accuracy-guard off";
    }

    /// <summary>A mode that quantized nothing in this model says so, naming what it covers.</summary>
    private static string? NothingQuantized(QuantizationRecipe recipe, StaticQuantizationResult result)
    {
        if (recipe.Mode == QuantizationMode.Fp16
            ? ModelIO.EstimateInlineBytes(result.Model.Proto) < ModelIO.EstimateInlineBytes(result.PreparedFloatModel.Proto)
            : result.Tensors.Count > 0)
            return null;
        var ops = result.PreparedFloatModel.Proto.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Take(5)
            .Select(g => $"{g.Count()} {g.Key}");
        string covers = recipe.Mode switch
        {
            QuantizationMode.Dynamic => "--mode dynamic quantizes MatMul and Gemm with a constant 2-D weight (ONNX Runtime's DynamicQuantizeMatMul) and LSTM (DynamicQuantizeLSTM); use --mode full with --data for convolutional models",
            QuantizationMode.Fp16 => $"--mode fp16 stores float weights of at least {Fp16StorageConverter.MinElements} elements as float16",
            QuantizationMode.WeightOnly when recipe.BlockSize is not null => "--block-size quantizes the constant 2-D weights of MatMul and Gemm and the tables of Gather",
            QuantizationMode.WeightOnly => "--mode weight-only quantizes the constant weights of Conv, ConvTranspose, Gemm and MatMul",
            _ => "--mode full quantizes Conv, ConvTranspose, Gemm and MatMul and the ops around them",
        };
        return $"nothing was quantized: {covers}, and this model has none that qualify (most frequent ops: {string.Join(", ", ops)}; see the float list above)";
    }

    /// <summary>
    /// The samples weight reconstruction fits: spread over the data, and apart from the check set when the data holds
    /// enough (the guard and the target searches would otherwise judge the weights on the images they were fitted to:
    /// SqueezeNet W4A8 GPTQ measured output cosine 0.994 on those against 0.929 on held-out images).
    /// </summary>
    private static IEnumerable<CalibrationSample> Reconstruction(ICalibrationSource source, int count) => source.SpreadOutside(count, CheckSamples);

    private static IEnumerable<IReadOnlyDictionary<string, TensorValue>> Feeds(IEnumerable<CalibrationSample> samples) =>
        samples.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());

    private static RecipeOption SearchOption(QuantizationRecipe recipe) =>
        recipe.IsMixedActBits ? RecipeOptions.ActBits : recipe.IsMixedWeightBits ? RecipeOptions.WeightBits : RecipeOptions.TargetCosine;

    private static string SearchValue(QuantizationRecipe recipe) => recipe.IsMixedActBits || recipe.IsMixedWeightBits ? " " + Codecs.Mixed : "";

    /// <summary>The check samples, spread over the data, with the names of the files they came from; decoded when first read.</summary>
    private sealed class CheckSet
    {
        private readonly Lazy<(List<IReadOnlyDictionary<string, TensorValue>> Feeds, List<string> Names)> _samples;

        private CheckSet(ICalibrationSource source) =>
            _samples = new(() =>
            {
                var samples = source.Spread(CheckSamples).ToList();
                return ([.. samples.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds())], [.. samples.Select(s => s.SourceName)]);
            });

        public static CheckSet Of(ICalibrationSource source) => new(source);

        public IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> Feeds => _samples.Value.Feeds;

        public IReadOnlyList<string> Names => _samples.Value.Names;
    }
}
