using System.CommandLine;
using Ptq.Recipes;

namespace Ptq.Cli.Options;

/// <summary>
/// The quantize flag group of DESIGN.md §6 (<c>--recipe</c>, <c>--mode</c>, <c>--act-bits</c>, ...). <see cref="ToRecipe"/>
/// loads the recipe file, then lays every flag given on the command line on top (flags override the recipe; list flags
/// such as <c>--skip</c> replace the recipe's list), and validates the result. Value spellings are parsed by
/// <see cref="RecipeNames"/>, so messages match the recipe readers'.
/// </summary>
internal sealed class QuantizeOptions
{
    public Option<string?> Recipe { get; } = new("--recipe") { HelpName = "FILE", Description = "Recipe file: Ptq YAML/JSON or MindSpore Lite .cfg; flags override it." };
    public Option<string?> Stats { get; } = new("--stats") { HelpName = "STATS.json", Description = "Statistics collected by 'ptq calibrate' (e.g. merged shards); with it, --data only supplies check samples." };
    public Option<string?> Mode { get; } = new("--mode") { HelpName = "full|weight-only|dynamic|fp16", Description = "full (default), weight-only, dynamic or fp16." };
    public Option<string?> ActBits { get; } = new("--act-bits") { HelpName = "N|mixed", Description = "Activation bits, 2-16 (default 8), or mixed: 8, the most sensitive kept float until --target-cosine holds." };
    public Option<string?> WeightBits { get; } = new("--weight-bits") { HelpName = "N|mixed", Description = "Weight bits, 2-16 (1-16 weight-only), or mixed (default 8)." };
    public Option<string?> ActMode { get; } = new("--act-mode") { HelpName = "sym|asym_u|asym_s", Description = "Activations: sym, asym_u (default) or asym_s." };
    public Option<string?> WeightMode { get; } = new("--weight-mode") { HelpName = "sym|asym_u|asym_s", Description = "Weights: sym (default), asym_u or asym_s." };
    public Option<string?> Granularity { get; } = new("--granularity") { HelpName = "per-channel|per-tensor|mix", Description = "per-channel (default), per-tensor or mix." };
    public Option<string?> Method { get; } = new("--method") { HelpName = "M", Description = "Activation ranges: minmax, avg, ema, percentile, kl, mse (default), aciq-gauss, aciq-laplace or nstd." };
    public Option<double?> Percentile { get; } = new("--percentile") { HelpName = "P", Description = "Percentile for --method percentile, in (50, 100] (default 99.99)." };
    public Option<string?> WeightMethod { get; } = new("--weight-method") { HelpName = "M", Description = "Weights: minmax (default), mse, admm or adaround; with --block-size: minmax (round to nearest) or hqq." };
    public Option<int?> BlockSize { get; } = new("--block-size") { HelpName = "32|64|128", Description = "Weight-only: MatMul/Gemm weights and Gather tables in blocks of this many values, as ONNX Runtime's MatMulNBits / GatherBlockQuantized (2, 4 or 8 bits)." };
    public Option<int?> EmbeddingBits { get; } = new("--embedding-bits") { HelpName = "2|4|8", Description = "With --block-size: bits of embedding tables (Gather) and output projections tied to them (default 8)." };
    public Option<int?> AccuracyLevel { get; } = new("--accuracy-level") { HelpName = "0|1|2|3|4", Description = "With --block-size: MatMulNBits' compute type, 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 (default)." };
    public Option<bool?> BiasCorrection { get; } = new("--bias-correction") { HelpName = "true|false", Description = "Correct the bias for the weight quantization error: true or false." };
    public Option<bool> Cle { get; } = new("--cle") { Description = "Cross-layer equalization before quantizing." };
    public Option<bool?> FoldBn { get; } = new("--fold-bn") { HelpName = "true|false", Description = "Fold BatchNormalization into Conv/Gemm: true (default) or false." };
    public Option<double?> Clip { get; } = new("--clip") { HelpName = "V", Description = "Clip every GEMM input to [-V, V] (Bolt -c)." };
    public Option<string?> ClipTable { get; } = new("--clip-table") { HelpName = "FILE.json", Description = "Per-tensor clip table, Bolt JSON (Bolt -s)." };
    public Option<string[]> Skip { get; } = new("--skip") { HelpName = "NAME_OR_REGEX", Description = "Nodes to leave float, by name or regular expression (repeatable).", AllowMultipleArgumentsPerToken = true };
    public Option<string[]> SkipOp { get; } = new("--skip-op") { HelpName = "TYPE", Description = "Op types to leave float (repeatable).", AllowMultipleArgumentsPerToken = true };
    public Option<double?> TargetCosine { get; } = new("--target-cosine") { HelpName = "C", Description = "Output cosine to keep, in (0, 1] (mixed bits: default 0.995)." };
    public Option<string?> AccuracyGuard { get; } = new("--accuracy-guard") { HelpName = "C|off", Description = "With --data (any mode), compare the output with float on 32 samples; below cosine C (default 0.995) keep the costliest activations or layers float until it holds, else exit 1. off: accept any result." };
    public Option<double?> MaxDrop { get; } = new("--max-drop") { HelpName = "POINTS", Description = "Accuracy points the result may lose." };
    public Option<int?> CalibSize { get; } = new("--calib-size") { HelpName = "N", Description = "Use the first N calibration samples." };
    public Option<bool> ReduceRange { get; } = new("--reduce-range") { Description = "Weights use one bit less (CPUs without VNNI)." };

    private IEnumerable<Option> All() =>
    [
        Recipe, Stats, Mode, ActBits, WeightBits, ActMode, WeightMode, Granularity, Method, Percentile, WeightMethod, BlockSize, AccuracyLevel, EmbeddingBits,
        BiasCorrection, Cle, FoldBn, Clip, ClipTable, Skip, SkipOp, TargetCosine, AccuracyGuard, MaxDrop, CalibSize, ReduceRange,
    ];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All())
            command.Options.Add(option);
    }

    /// <summary>
    /// The effective recipe: <c>--recipe</c> (or the defaults), then each flag given explicitly, then the data and
    /// PREPROCESSING flags of <paramref name="data"/> when given; validated. Keys read from the file but not applied go to <paramref name="warnings"/>.
    /// </summary>
    /// <exception cref="RecipeException">A bad file, value or combination; the message names the culprit.</exception>
    public QuantizationRecipe ToRecipe(ParseResult result, DataOptions? data = null, ICollection<string>? warnings = null)
    {
        var r = result.GetValue(Recipe) is { } path ? RecipeFile.Load(path, warnings) : QuantizationRecipe.Default;
        if (Given(result, Stats)) r = r with { Stats = result.GetValue(Stats) };
        if (Given(result, Mode)) r = r with { Mode = RecipeNames.ParseMode(result.GetValue(Mode)!, "--mode") };
        if (Given(result, ActBits)) r = r with { ActBits = RecipeNames.ParseActBits(result.GetValue(ActBits)!, "--act-bits") };
        if (Given(result, WeightBits)) r = r with { WeightBits = RecipeNames.ParseWeightBits(result.GetValue(WeightBits)!, "--weight-bits") };
        if (Given(result, ActMode)) r = r with { ActMode = RecipeNames.ParseQuantMode(result.GetValue(ActMode)!, "--act-mode") };
        if (Given(result, WeightMode)) r = r with { WeightMode = RecipeNames.ParseQuantMode(result.GetValue(WeightMode)!, "--weight-mode") };
        if (Given(result, Granularity)) r = r with { Granularity = RecipeNames.ParseGranularity(result.GetValue(Granularity)!, "--granularity") };
        if (Given(result, Method)) r = r with { Method = RecipeNames.ParseMethod(result.GetValue(Method)!, "--method") };
        if (Given(result, Percentile)) r = r with { Percentile = result.GetValue(Percentile) ?? r.Percentile };
        if (Given(result, WeightMethod)) r = r with { WeightMethod = RecipeNames.ParseWeightMethod(result.GetValue(WeightMethod)!, "--weight-method") };
        if (Given(result, BlockSize)) r = r with { BlockSize = result.GetValue(BlockSize) };
        if (Given(result, AccuracyLevel)) r = r with { AccuracyLevel = result.GetValue(AccuracyLevel) };
        if (Given(result, EmbeddingBits)) r = r with { EmbeddingBits = result.GetValue(EmbeddingBits) };
        if (Given(result, BiasCorrection)) r = r with { BiasCorrection = result.GetValue(BiasCorrection) ?? true };
        if (Given(result, Cle)) r = r with { Cle = result.GetValue(Cle) };
        if (Given(result, FoldBn)) r = r with { FoldBn = result.GetValue(FoldBn) ?? true };
        if (Given(result, Clip)) r = r with { Clip = result.GetValue(Clip) };
        if (Given(result, ClipTable)) r = r with { ClipTable = result.GetValue(ClipTable) };
        if (Given(result, Skip)) r = r with { Skip = result.GetValue(Skip) ?? [] };
        if (Given(result, SkipOp)) r = r with { SkipOp = result.GetValue(SkipOp) ?? [] };
        if (Given(result, TargetCosine)) r = r with { TargetCosine = result.GetValue(TargetCosine) };
        if (Given(result, AccuracyGuard)) r = r with { AccuracyGuard = RecipeNames.ParseAccuracyGuard(result.GetValue(AccuracyGuard)!, "--accuracy-guard") };
        if (Given(result, MaxDrop)) r = r with { MaxDrop = result.GetValue(MaxDrop) };
        if (Given(result, CalibSize)) r = r with { CalibSize = result.GetValue(CalibSize) };
        if (Given(result, ReduceRange)) r = r with { ReduceRange = result.GetValue(ReduceRange) };
        if (data is not null)
        {
            if (Given(result, data.Data)) r = r with { Data = data.Specs(result) };
            r = r with { Preprocessing = data.PreprocessingFlags(result).ApplyTo(r.Preprocessing) };
        }
        return r.Validate();
    }

    /// <summary>True when <paramref name="option"/> was written on the command line (not merely defaulted).</summary>
    private static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };
}
