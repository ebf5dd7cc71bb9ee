using Ptq.Calibration;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;

namespace Ptq.Recipes;

/// <summary>What <see cref="RecipeQuantizer.Run"/> produced.</summary>
/// <param name="Result">The quantization written out.</param>
/// <param name="Fallback">The target search (--target-cosine, --weight-bits mixed or --act-bits mixed), when one ran.</param>
/// <param name="TargetCosine">The target the search aimed at, when one ran.</param>
/// <param name="SkippedFiles">Unreadable calibration files skipped (--skip-corrupt).</param>
/// <param name="Guard">The accuracy guard's check (and search, when the check failed), when the guard ran.</param>
public sealed record RecipeQuantizationResult(StaticQuantizationResult Result, FallbackResult? Fallback, double? TargetCosine, int SkippedFiles,
    GuardResult? Guard = null);

/// <summary>
/// Runs a whole <see cref="QuantizationRecipe"/>: picks weight-only, dynamic, fp16 or static quantization, with a stats
/// file or streamed data, the target searches (--target-cosine, --weight-bits mixed, --act-bits mixed) and the accuracy
/// guard. What <c>ptq quantize</c> does.
/// </summary>
public static class RecipeQuantizer
{
    /// <summary>
    /// Samples that form the check set of a target search or the accuracy guard, spread evenly over the calibration
    /// samples (there is no held-out data; <see cref="ICalibrationSource.Spread"/>), or with --stats over those --data gives.
    /// </summary>
    public const int CheckSamples = 32;

    /// <summary>
    /// Quantizes <paramref name="model"/> as <paramref name="recipe"/> says. <paramref name="sourceOptions"/> overrides
    /// the recipe's own source options (the CLI adds --recursive/--skip-corrupt). Throws <see cref="PtqException"/> for
    /// contradictions such as data given to a data-free mode, or statistics given to a search that needs samples.
    /// </summary>
    public static RecipeQuantizationResult Run(OnnxModel model, QuantizationRecipe recipe, DataSourceOptions? sourceOptions = null,
        IProgress<CalibrationProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var settings = recipe.ToStaticSettings();
        var calibration = recipe.ToCalibrationSettings();
        if (recipe.Mode is QuantizationMode.WeightOnly or QuantizationMode.Dynamic or QuantizationMode.Fp16)
        {
            if (recipe.Stats is not null || recipe.Data.Count > 0)
                throw new PtqException($"--mode {RecipeNames.Name(recipe.Mode)} reads no calibration data (no activation ranges are fixed in advance); drop --data/--stats");
            var result = recipe.Mode switch
            {
                QuantizationMode.Dynamic => DynamicQuantizer.Quantize(model, settings),
                QuantizationMode.Fp16 => Fp16StorageConverter.Convert(model, settings),
                _ => WeightOnlyQuantizer.Quantize(model, settings, recipe.MinWeightSize ?? 0, recipe.MinWeightChannels ?? 0),
            };
            return new RecipeQuantizationResult(result, null, null, 0);
        }
        double? target = recipe.EffectiveTargetCosine;
        if (recipe.Stats is not null && recipe.Cle)
            throw new PtqException("--cle changes the weights before calibration, so statistics from 'ptq calibrate' do not fit; give --data instead of --stats");
        if (recipe.Stats is null && recipe.Data.Count == 0)
            throw new PtqException("give calibration data with --data SPEC, or statistics from 'ptq calibrate' with --stats FILE");
        // With --stats the ranges come from the file, and --data (if given) only supplies the check samples.
        var source = recipe.Data.Count > 0 ? CalibrationSources.Create(ModelInputs.Of(model), recipe.Data, sourceOptions ?? recipe.ToSourceOptions()) : null;
        var samples = source is null ? null : Feeds(source);
        var checkSamples = source is null ? null : Feeds(source.Spread(CheckSamples));
        CalibrationInput input = recipe.Stats is { } statsPath
            ? new CalibrationInput.FromStats(StatsFile.Load(statsPath), calibration)
            : new CalibrationInput.FromSamples(samples!, source!.Count, calibration, progress, cancellationToken);
        if (target is double cosine)
        {
            if (checkSamples is null)
                throw new PtqException($"{SearchOption(recipe)} measures the output on samples; add --data (with --stats it only supplies the check samples)");
            var check = checkSamples.ToList();
            // The activation search may keep every ranked activation float: a stated target is missed only when float activations miss it too.
            var fallback = recipe.IsMixedActBits ? MixedActivationBits.Quantize(model, settings, input, check, cosine, maxPromoted: int.MaxValue, log: log)
                : recipe.IsMixedWeightBits ? AccuracyFallback.MixedBits(model, settings, input, check, cosine, log: log)
                : AccuracyFallback.Quantize(model, settings, input, check, cosine, log: log);
            return new RecipeQuantizationResult(fallback.Result, fallback, cosine, Skipped());
        }
        if (recipe.EffectiveAccuracyGuard is double guard && checkSamples is not null)
        {
            var guarded = AccuracyGuard.Quantize(model, settings, input, checkSamples, guard, log);
            return new RecipeQuantizationResult(guarded.Result, null, null, Skipped(), guarded);
        }
        return new RecipeQuantizationResult(StaticQuantizer.Quantize(model, settings, input), null, null, Skipped());

        int Skipped() => source?.SkippedFiles ?? 0;
    }

    private static IEnumerable<IReadOnlyDictionary<string, TensorValue>> Feeds(IEnumerable<CalibrationSample> samples) =>
        samples.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());

    private static string SearchOption(QuantizationRecipe recipe) =>
        recipe.IsMixedActBits ? $"--act-bits {RecipeNames.Mixed}" : recipe.IsMixedWeightBits ? $"--weight-bits {RecipeNames.Mixed}" : "--target-cosine";
}
