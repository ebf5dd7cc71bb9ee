using System.Globalization;

namespace Ptq.Recipes;

/// <summary>
/// Reads Distiller's post-training YAML config (<c>--qe-config-file</c>): the <c>PostTrainLinearQuantizer</c> under
/// <c>quantizers:</c>, laid over the Distiller defaults the caller starts from. Mapping: <c>bits_activations</c> →
/// act-bits (null: activations float, weight-only), <c>bits_parameters</c> → weight-bits, <c>bits_accum</c> (32 only),
/// <c>mode</c> (one of SYMMETRIC, ASYMMETRIC_UNSIGNED, ASYMMETRIC_SIGNED, or <c>{activations: ..., weights: ...}</c>) →
/// act-mode/weight-mode, <c>per_channel_wts</c> → granularity, <c>clip_acts</c> (NONE, AVG, N_STD, GAUSS, LAPLACE) →
/// method, <c>clip_n_stds</c> → n-std, <c>model_activation_stats</c> → stats (relative to the config's folder), and
/// <c>overrides:</c> (layer name or regular expression → <c>bits_activations</c>, <c>bits_weights</c>/<c>bits_parameters</c>,
/// <c>clip_acts</c>; both bits null: the layer stays float) → the recipe's overrides, first match first. Any other key is
/// an error naming it, since ignoring it would change the result silently.
/// </summary>
internal static class DistillerConfigReader
{
    private const string Flag = "--qe-config-file";

    /// <summary>Applies the config at <paramref name="path"/> to <paramref name="target"/>; returns the activation bits it sets (0: activations float).</summary>
    /// <exception cref="ToolFlagException">An unreadable file, not YAML, a missing quantizer, or a key or value Ptq cannot honour; names the file and key.</exception>
    public static int Apply(RecipeBuilder target, string path)
    {
        string text = IO.InputFiles.ReadAllText(path, ResourceLimits.MaxConfigFileBytes,
            (problem, e) => new ToolFlagException("distiller", $"{Flag} {path}", $"cannot be read: {problem}", e));
        RecipeNode? root;
        try { root = RecipeYamlReader.Tree(text, path); }
        catch (RecipeException e) { throw new ToolFlagException("distiller", Flag, e.Message, e); }
        var quantizers = (root as RecipeMapping)?.Entries.FirstOrDefault(e => e.Key == "quantizers").Value as RecipeMapping
            ?? throw Fail(path, "quantizers", "expected a 'quantizers:' mapping with a PostTrainLinearQuantizer");
        if (quantizers.Entries.Count != 1 || quantizers.Entries[0].Value is not RecipeMapping quantizer)
            throw Fail(path, "quantizers", "expected exactly one quantizer, of class PostTrainLinearQuantizer");
        string name = quantizers.Entries[0].Key;
        var reader = new Reader(path, $"quantizers.{name}");
        return reader.Apply(target, quantizer, Path.GetDirectoryName(Path.GetFullPath(path)) ?? "");
    }

    private static ToolFlagException Fail(string path, string key, string message) => new("distiller", Flag, $"{path}: {key}: {message}.");

    private sealed class Reader(string path, string at)
    {
        public int Apply(RecipeBuilder b, RecipeMapping quantizer, string folder)
        {
            int actBits = 8;
            foreach (var (key, value) in quantizer.Entries)
            {
                switch (key)
                {
                    case "class":
                        if (Text(value, key) != "PostTrainLinearQuantizer")
                            throw Error(key, $"'{Text(value, key)}' is not a post-training quantizer; Ptq reads PostTrainLinearQuantizer");
                        break;
                    case "bits_activations":
                        actBits = Bits(value, key) ?? 0;
                        if (actBits == 0) RecipeOptions.Mode.Apply(b, ["weight-only"]);
                        else RecipeOptions.ActBits.Apply(b, [actBits.ToString(CultureInfo.InvariantCulture)]);
                        break;
                    case "bits_parameters" or "bits_weights":
                        RecipeOptions.WeightBits.Apply(b, [(Bits(value, key) ?? throw Error(key, "float weights with quantized activations give ONNX Runtime no integer kernel; give a bit width")).ToString(CultureInfo.InvariantCulture)]);
                        break;
                    case "bits_accum":
                        if (Bits(value, key) is { } accum and not 32)
                            throw Error(key, $"{accum}: ONNX Runtime's integer kernels accumulate in int32; only 32 can be honoured");
                        break;
                    case "mode":
                        if (value is RecipeMapping modes)
                        {
                            foreach (var (cls, mode) in modes.Entries)
                            {
                                var option = cls switch
                                {
                                    "activations" => RecipeOptions.ActMode,
                                    "weights" => RecipeOptions.WeightMode,
                                    _ => throw Error($"mode.{cls}", "expected activations or weights"),
                                };
                                option.Apply(b, [Mode(mode, $"mode.{cls}")]);
                            }
                        }
                        else
                        {
                            string both = Mode(value, key);
                            RecipeOptions.ActMode.Apply(b, [both]);
                            RecipeOptions.WeightMode.Apply(b, [both]);
                        }
                        break;
                    case "per_channel_wts":
                        RecipeOptions.Granularity.Apply(b, [Bool(value, key) ? "per-channel" : "per-tensor"]);
                        break;
                    case "clip_acts":
                        RecipeOptions.Method.Apply(b, [Clip(value, key)]);
                        break;
                    case "clip_n_stds":
                        if (!IsNull(value)) RecipeOptions.NStd.Apply(b, [Text(value, key)]);
                        break;
                    case "model_activation_stats":
                        if (!IsNull(value)) RecipeOptions.Stats.Apply(b, [Path.GetFullPath(Path.Combine(folder, Text(value, key)))]);
                        break;
                    case "overrides":
                        b.Recipe = b.Recipe with { Overrides = Overrides(value) };
                        break;
                    case "scale_approx_mult_bits":
                        if (!IsNull(value)) throw Error(key, "not implemented yet: Ptq writes float requantization scales; leave it null");
                        break;
                    default:
                        throw Error(key, "not a PostTrainLinearQuantizer setting Ptq reads (class, bits_activations, bits_parameters, bits_accum, mode, per_channel_wts, clip_acts, clip_n_stds, model_activation_stats, overrides, scale_approx_mult_bits)");
                }
            }
            return actBits;
        }

        private List<LayerOverride> Overrides(RecipeNode node)
        {
            if (IsNull(node)) return [];
            if (node is not RecipeMapping layers) throw Error("overrides", "expected a mapping of layer names or patterns to settings");
            var result = new List<LayerOverride>();
            foreach (var (pattern, settings) in layers.Entries)
            {
                string key = $"overrides.{pattern}";
                var o = new LayerOverride { Pattern = pattern };
                bool floatActs = false, floatWeights = false;
                foreach (var (field, value) in (settings as RecipeMapping)?.Entries ?? throw Error(key, "expected a mapping such as {bits_weights: 8}"))
                {
                    switch (field)
                    {
                        case "bits_activations":
                            int? a = Bits(value, $"{key}.{field}");
                            o = o with { ActBits = a };
                            floatActs = a is null;
                            break;
                        case "bits_weights" or "bits_parameters":
                            int? w = Bits(value, $"{key}.{field}");
                            o = o with { WeightBits = w };
                            floatWeights = w is null;
                            break;
                        case "clip_acts":
                            o = o with { Method = Codecs.Methods.Parse(Clip(value, $"{key}.{field}"), RecipeOptions.Method.Key) };
                            break;
                        default:
                            throw Error($"{key}.{field}", "Ptq reads bits_activations, bits_weights (bits_parameters) and clip_acts in overrides");
                    }
                }
                if (floatActs && floatWeights) o = o with { Skip = true, ActBits = null, WeightBits = null };
                else if (floatActs || floatWeights)
                    throw Error(key, "one class float and the other quantized has no ONNX Runtime kernel; give both bits, or both null to keep the layer float");
                result.Add(o);
            }
            return result;
        }

        private static readonly Dictionary<string, string> Modes = new(StringComparer.OrdinalIgnoreCase)
        {
            ["SYMMETRIC"] = "sym", ["ASYMMETRIC_UNSIGNED"] = "asym_u", ["ASYMMETRIC_SIGNED"] = "asym_s",
        };

        private static readonly Dictionary<string, string> Clips = new(StringComparer.OrdinalIgnoreCase)
        {
            ["NONE"] = "minmax", ["AVG"] = "avg", ["N_STD"] = "nstd", ["GAUSS"] = "aciq-gauss", ["LAPLACE"] = "aciq-laplace",
        };

        private string Mode(RecipeNode node, string key) =>
            Modes.TryGetValue(Text(node, key), out string? mode) ? mode : throw Error(key, $"'{Text(node, key)}': expected one of {string.Join(", ", Modes.Keys)}");

        private string Clip(RecipeNode node, string key) =>
            Clips.TryGetValue(Text(node, key), out string? clip) ? clip : throw Error(key, $"'{Text(node, key)}': expected one of {string.Join(", ", Clips.Keys)}");

        private int? Bits(RecipeNode node, string key) =>
            IsNull(node) ? null
            : int.TryParse(Text(node, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits) && bits >= 0 ? bits
            : throw Error(key, $"'{Text(node, key)}' is not a number of bits");

        private bool Bool(RecipeNode node, string key) =>
            bool.TryParse(Text(node, key), out bool value) ? value : throw Error(key, $"'{Text(node, key)}' is not true or false");

        private string Text(RecipeNode node, string key) =>
            node is RecipeScalar { Text: { } text } ? text : throw Error(key, "expected a single value");

        private static bool IsNull(RecipeNode node) => node is RecipeScalar { Text: null };

        private ToolFlagException Error(string key, string message) => new("distiller", Flag, $"{path}: {at}.{key}: {message}.");
    }
}
