using System.Globalization;
using Ptq.IO;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Tuning;

namespace Ptq.Recipes;

/// <summary>One node a search kept float (or gave more bits), with the output cosine after the step that did it.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Cosine">Mean output cosine against float on the check samples after that step.</param>
public sealed record RelaxedNode(string Node, double Cosine);

/// <summary>What the accuracy guard or a target search measured and did.</summary>
/// <param name="Target">The output cosine aimed at.</param>
/// <param name="StartCosine">The cosine of the quantization the search started from (the plain one), when measured.</param>
/// <param name="Cosine">The cosine of the model returned.</param>
/// <param name="Met">Whether <paramref name="Cosine"/> reached <paramref name="Target"/>.</param>
/// <param name="Unit">What a candidate is: "activation", "layer" or "node".</param>
/// <param name="Candidates">How many candidates the search ranked (0 when it did not search).</param>
/// <param name="Relaxed">The candidates relaxed in the model returned, worst first.</param>
public sealed record AccuracySearch(double Target, double? StartCosine, double Cosine, bool Met, string Unit, int Candidates, IReadOnlyList<RelaxedNode> Relaxed)
{
    /// <summary>
    /// The mixed weight-bit search (<c>--weight-bits mixed</c>): every ranked layer, most cost per weight first, with its
    /// weight count, the bits its weights got, and what its weights at the low bit width alone cost the output
    /// (1 − mean cosine against float on the check samples); else empty.
    /// </summary>
    public IReadOnlyList<(string Node, long Weights, int Bits, double LowBitCost)> WeightBits { get; init; } = [];

    /// <summary>Null when the relaxed candidates were kept float; else the bits their weights were raised to.</summary>
    public int? RaisedToBits { get; init; }

    /// <summary>
    /// The weight search this one started from (the accuracy guard over weights below 8 bits, when raising weights alone
    /// did not reach it): its raised layers keep 8-bit weights in the model returned. Null otherwise.
    /// </summary>
    public AccuracySearch? RaisedFirst { get; init; }

    /// <summary>
    /// What the search did, for messages: "kept 2 of 9 activations float", "raised 2 of 9 layers to 8-bit weights", or
    /// "raised 26 of 26 layers to 8-bit weights, then kept 3 of 19 activations float".
    /// </summary>
    public string Describe() => Tuning.FallbackResult.Describe(Relaxed.Count, Candidates, Unit, RaisedToBits, RaisedFirst?.Describe());
}

/// <summary>
/// What <see cref="Quantizer.Quantize"/> produced: the verified model, what was quantized, the measured verdict and
/// anything it falls short of. <see cref="Save"/> writes the model and its quant_param.csv together.
/// </summary>
public sealed class QuantizationResult
{
    private readonly Lazy<IReadOnlyList<string>> _decisions;

    internal QuantizationResult(RecipeQuantizationResult run, QuantizationRecipe recipe)
    {
        Run = run;
        Summary = QuantizationSummary.Of(run.Result);
        Guard = run.Guard is { Ran: true } guard ? OfGuard(guard) : null;
        TargetSearch = run.Fallback is { } fallback && run.TargetCosine is { } target
            ? new AccuracySearch(target, null, fallback.Cosine, fallback.TargetMet, fallback.Unit, fallback.Candidates, Relaxed(fallback))
            {
                WeightBits = LayerBits(fallback),
                RaisedToBits = fallback.RaisedToBits,
            }
            : null;
        _decisions = new(() => Decisions(run.Result, recipe));
    }

    /// <summary>The internals of the run (tests and the debug report read them).</summary>
    internal RecipeQuantizationResult Run { get; }

    /// <summary>The quantized model, verified in ONNX Runtime.</summary>
    public OnnxModel Model => Run.Result.Model;

    /// <summary>Counts for people: what was quantized, what stayed float and why, sizes.</summary>
    public QuantizationSummary Summary { get; }

    /// <summary>
    /// With <c>--format qoperator</c>: the integer operators written and the quantized nodes kept in QDQ form, by op
    /// type (e.g. "26 QLinearConv, 8 QLinearConcat, 3 MaxPool; kept in QDQ form: none"); null for QDQ output.
    /// </summary>
    public string? FormatSummary => Run.QOperator is { } c
        ? $"{Passes.QOperatorConversion.Describe(c.Operators)}; kept in QDQ form (no integer kernel for these parameters): {Passes.QOperatorConversion.Describe(c.KeptQdq)}"
        : null;

    /// <summary>How ONNX Runtime ran the model before it was returned.</summary>
    public ModelVerification Verification => Run.Verification;

    /// <summary>Mean output cosine against the float model on <see cref="CheckSamples"/> samples; null without data.</summary>
    public double? CheckCosine => Run.CheckCosine;

    /// <summary>Samples the output was compared on.</summary>
    public int CheckSamples => Run.CheckSamples;

    /// <summary>Why the output was not compared although samples were given, or null.</summary>
    public string? CheckNotRun => Run.CheckNotRun;

    /// <summary>The accuracy guard's check and search, when it ran.</summary>
    public AccuracySearch? Guard { get; }

    /// <summary>The target search (--target-cosine, mixed bits), when one ran.</summary>
    public AccuracySearch? TargetSearch { get; }

    /// <summary>
    /// With <c>--mode weight-only --weight-bits mixed</c> (MindSpore's bit_num=0): the init_scale used, what auto-tune
    /// tried when it searched, and how many layers got each bit width, e.g. "mixed-bit weights (init_scale 0.02): 2
    /// layers at 6 bits, 1 at 7 bits; 6.3 bits per weight"; else null.
    /// </summary>
    public string? MixedWeightsSummary => Run.MixedWeights is { } m
        ? string.Create(CultureInfo.InvariantCulture,
            $"mixed-bit weights (init_scale {m.InitScale:G4}{(m.TargetCosine is double t ? $", auto_tune: {m.Steps.Count} init_scales tried on {(m.MadeUpInputs ? "made-up inputs" : "the check samples")}, output cosine {m.Cosine:F5} {(m.TargetMet ? ">=" : "<")} {t}" : "")}): ")
          + string.Join(", ", m.Layers.GroupBy(l => l.Bits).OrderBy(g => g.Key).Select(g => $"{g.Count()} layer{(g.Count() == 1 ? "" : "s")} at {g.Key} bits"))
          + string.Create(CultureInfo.InvariantCulture, $"; {m.MeanBits:F2} bits per weight")
        : null;

    /// <summary>With <c>--float-ops-fp16</c>: which float operators compute in float16 and which stayed float32; else null.</summary>
    public string? Fp16FloatOpsSummary => Run.Fp16FloatOps is { } f
        ? $"float16 float operators: {f.Converted.Count} compute in float16 with Casts in and out"
          + (f.Kept.Count == 0 ? "" : $"; kept float32: {string.Join(", ", f.Kept.Select(k => $"{k.Node} ({k.Reason})"))}")
          + (CheckCosine is double c ? string.Create(CultureInfo.InvariantCulture, $"; output cosine {c:F5} against float after the conversion") : "")
        : null;

    /// <summary>With <c>--float-weights-fp16</c>: how many float weights are stored as float16; else null.</summary>
    public string? Fp16FloatWeightsSummary => Run.Fp16FloatWeights is int n
        ? $"float16 weights: {n} weight(s) the quantization left float are stored as float16"
          + (n > 0 && CheckCosine is double c ? string.Create(CultureInfo.InvariantCulture, $"; output cosine {c:F5} against float after the conversion") : "")
        : null;

    /// <summary>
    /// With <c>--per-channel-acts</c>: how many activations got per-channel scales and which runtimes run them in integer
    /// kernels; else null.
    /// </summary>
    public string? PerChannelActivationsSummary => Run.PerChannelActivations is { } p
        ? $"per-channel activations: {p.Converted.Count} activations with one scale per channel (axis 1), {p.Kept.Count} kept per tensor; " +
          "TNN's int8 kernels run them; ONNX Runtime has no integer kernel for them and its QDQ fusion fails on them (QLinearConv needs one scale), " +
          "so run this model in ONNX Runtime with graph optimization level basic (ORT_ENABLE_BASIC, as Ptq verified it): every layer then computes in float on dequantized values"
          + (CheckCosine is double c ? string.Create(CultureInfo.InvariantCulture, $"; output cosine {c:F5} against float after the conversion") : "")
        : null;

    /// <summary>Unreadable calibration files skipped (<see cref="Data.DataSourceOptions.SkipCorrupt"/>).</summary>
    public int SkippedFiles => Run.SkippedFiles;

    /// <summary>Things worth knowing that do not stop the run, one sentence each.</summary>
    public IReadOnlyList<string> Warnings => Run.Warnings;

    /// <summary>Why the model falls short of what was asked (below the guard, a missed target, nothing quantized), or null.</summary>
    public string? Shortfall => Run.Shortfall;

    /// <summary>One line per quantized tensor (scheme, scale, observed range) and per node left float with its reason.</summary>
    public IReadOnlyList<string> DecisionLog => _decisions.Value;

    /// <summary>
    /// Writes the model to <paramref name="modelPath"/> and quant_param.csv beside it, both or neither (temporary files
    /// renamed together); returns the CSV's path (relative when <paramref name="modelPath"/> is). Throws <see cref="PtqException"/> when a file cannot be written.
    /// </summary>
    public string Save(string modelPath, ModelSaveOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        string csvPath = Path.Combine(Path.GetDirectoryName(modelPath) ?? "", "quant_param.csv"); // as relative as the model's path
        using var outputs = new AtomicCommit();
        ModelIO.Save(Model, modelPath, options, outputs);
        QuantParamCsv.Write(csvPath, Run.Result.Tensors, Run.Result.BiasCorrections, outputs);
        outputs.Commit();
        return csvPath;
    }

    private static AccuracySearch OfGuard(GuardResult guard) => new(guard.Guard, guard.PlainCosine, guard.Cosine, guard.Passed,
        guard.Search?.Unit ?? "node", guard.Search?.Candidates ?? 0,
        guard.Search is { } search && ReferenceEquals(search.Result, guard.Result) ? Relaxed(search) : [])
    {
        RaisedToBits = guard.Search?.RaisedToBits,
        RaisedFirst = guard.Search?.RaisedFirst is { } first
            ? new AccuracySearch(guard.Guard, guard.PlainCosine, first.Cosine, first.TargetMet, first.Unit, first.Candidates, Relaxed(first)) { RaisedToBits = first.RaisedToBits }
            : null,
    };

    private static IReadOnlyList<(string Node, long Weights, int Bits, double LowBitCost)> LayerBits(FallbackResult search)
    {
        if (search.WeightCosts is not { } costs)
            return [];
        var bits = search.Result.Tensors.Where(t => t.Kind == "Weight").GroupBy(t => t.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Parameters.Scheme.Bits, StringComparer.Ordinal);
        return [.. costs.Select(c => (c.Node, c.Weights, bits.GetValueOrDefault(c.Node), c.Loss))];
    }

    private static IReadOnlyList<RelaxedNode> Relaxed(FallbackResult search) => [.. search.Reverted.Select(r => new RelaxedNode(r.Node, r.Cosine))];

    private static List<string> Decisions(StaticQuantizationResult result, QuantizationRecipe recipe)
    {
        var lines = new List<string>();
        foreach (var t in result.Tensors)
        {
            string range = t.Kind == "Activation" && result.Statistics.Tensors.TryGetValue(t.TensorName, out var s)
                ? string.Create(CultureInfo.InvariantCulture, $" observed [{s.Min:G6}, {s.Max:G6}] {recipe.Method}")
                : "";
            string scale = t.Parameters.IsPerChannel
                ? string.Create(CultureInfo.InvariantCulture, $"{t.Parameters.Scales.Length} channel scales in [{t.Parameters.Scales.Min():G4}, {t.Parameters.Scales.Max():G4}]")
                : string.Create(CultureInfo.InvariantCulture, $"scale {t.Parameters.Scale:G6} zero point {t.Parameters.ZeroPoint}");
            lines.Add($"{t.Kind.ToLowerInvariant()} '{t.TensorName}' ({t.NodeType} '{t.NodeName}'): {t.Parameters.Scheme}, {scale}{range}");
        }
        foreach (var f in result.Plan.FloatNodes)
            lines.Add($"float {f.Node}: {f.Reason}");
        return lines;
    }
}
