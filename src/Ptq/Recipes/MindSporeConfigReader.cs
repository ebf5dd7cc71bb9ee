using System.Globalization;
using Ptq.Calibration;
using Ptq.Data;

namespace Ptq.Recipes;

/// <summary>
/// Reads a MindSpore Lite converter quantization config (<c>.cfg</c>, INI) into a recipe. Mapping:
/// <list type="bullet">
/// <item><c>[common_quant_param] quant_type</c> (required) FULL_QUANT → full, WEIGHT_QUANT → weight-only, DYNAMIC_QUANT → dynamic;
/// <c>bit_num</c> → act-bits and weight-bits (full), weight-bits (weight-only, 0 → mixed; dynamic);
/// <c>min_quant_weight_size</c>/<c>min_quant_weight_channel</c> → min-weight-size/min-weight-channels (weight-only; MindSpore
/// ignores them otherwise, and so does Ptq, with a warning); <c>skip_quant_node</c> → skip (comma-separated).</item>
/// <item><c>[full_quant_param]</c> and <c>[weight_quant_param]</c>: <c>activation_quant_method</c> MAX_MIN → minmax, KL → kl,
/// REMOVAL_OUTLIER → percentile (at the recipe's percentile, 99.99 by default); <c>bias_correction</c>; <c>per_channel</c> →
/// granularity per-channel/per-tensor.</item>
/// <item><c>[mixed_bit_weight_quant_param]</c> (WEIGHT_QUANT with bit_num=0): <c>init_scale</c> → mixed-init-scale (the
/// relative weight error each layer's bits are chosen for); <c>auto_tune=true</c> → target-cosine 0.995 (MindSpore's
/// auto_tune searches init_scale for an output cosine of about 0.995).</item>
/// <item><c>[data_preprocess_param]</c> <c>calibrate_path</c> (name:dir,...) → data; <c>calibrate_size</c> → calib-size;
/// <c>input_type</c> IMAGE|BIN is checked only (Ptq picks readers by file extension); <c>image_to_format</c> → color;
/// <c>normalize_mean</c>/<c>normalize_std</c> → mean/std; <c>resize_width</c>+<c>resize_height</c> → resize;
/// <c>resize_method</c>; <c>center_crop_width</c>+<c>center_crop_height</c> → crop. Under WEIGHT_QUANT the data only
/// checks the output (and feeds auto_tune).</item>
/// <item><c>debug_info_save_path</c> → debug-dir: MindSpore's debug files are written there after the run.</item>
/// </list>
/// Keys that MindSpore applies only under another quant_type (min_quant_weight_size/channel and the mixed-bit keys
/// outside WEIGHT_QUANT, skip_quant_node and activation_quant_method/bias_correction outside FULL_QUANT, the mixed-bit
/// keys with bit_num other than 0) are reported with their name and line and not applied, as MindSpore ignores them.
/// Keys MindSpore documents that have no meaning for ONNX (<c>enable_encode</c>, <c>target_device</c>,
/// <c>use_cv_data</c>, <c>max_iterations</c>, <c>dequant_strategy</c>, <c>update_mindir</c>, <c>max_segments</c>,
/// <c>quant_strategy</c>) are reported as warnings and not applied; any other key or section is an error naming the
/// file, line and key, since a typo would otherwise change nothing silently.
/// </summary>
internal static class MindSporeConfigReader
{
    private static readonly Dictionary<string, string[]> KnownKeys = new(StringComparer.Ordinal)
    {
        ["common_quant_param"] = ["quant_type", "bit_num", "min_quant_weight_size", "min_quant_weight_channel", "skip_quant_node", "debug_info_save_path", "enable_encode"],
        ["mixed_bit_weight_quant_param"] = ["init_scale", "auto_tune", "use_cv_data", "max_iterations"],
        ["full_quant_param"] = ["activation_quant_method", "bias_correction", "per_channel", "target_device"],
        ["weight_quant_param"] = ["dequant_strategy", "update_mindir", "max_segments", "per_channel", "bias_correction"],
        ["data_preprocess_param"] = ["calibrate_path", "calibrate_size", "input_type", "image_to_format", "normalize_mean", "normalize_std",
            "resize_width", "resize_height", "resize_method", "center_crop_width", "center_crop_height"],
        ["dynamic_quant_param"] = ["quant_strategy"],
    };

    private static readonly Dictionary<string, string> IgnoredKeys = new(StringComparer.Ordinal)
    {
        ["enable_encode"] = "Ptq writes standard ONNX tensors",
        ["target_device"] = "Ptq writes standard ONNX QDQ for any ONNX Runtime backend",
        ["use_cv_data"] = "Ptq's mixed-bit search uses the calibration data given",
        ["max_iterations"] = "Ptq's mixed-bit search stops at its target",
        ["dequant_strategy"] = "Ptq writes standard ONNX DequantizeLinear",
        ["update_mindir"] = "Ptq writes ONNX",
        ["max_segments"] = "Ptq writes ONNX",
        ["quant_strategy"] = "Ptq's dynamic mode follows ONNX Runtime",
    };

    /// <summary>Cosine MindSpore's <c>auto_tune</c> searches for.</summary>
    public const double AutoTuneCosine = 0.995;

    /// <summary>Parses .cfg text; <paramref name="warnings"/> receives one line per ignored key. Combinations are not validated.</summary>
    /// <exception cref="RecipeException">Syntax error, unknown section or key, duplicate key, missing quant_type or a bad value; names file, line and key.</exception>
    public static QuantizationRecipe Parse(string text, string sourceName = "<cfg>", ICollection<string>? warnings = null)
    {
        var entries = ReadIni(text, sourceName, warnings);
        var map = new Mapper(entries, sourceName, warnings);
        return map.Recipe();
    }

    private sealed record Entry(string Section, string Key, string Value, int Line);

    private static Dictionary<string, Entry> ReadIni(string text, string source, ICollection<string>? warnings)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        string? section = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (line[^1] != ']')
                    throw new RecipeException(line, $"{source}: line {lineNumber}: '{line}' is not a section header like [common_quant_param].");
                section = line[1..^1].Trim();
                if (!KnownKeys.ContainsKey(section))
                    throw new RecipeException(section, $"{source}: line {lineNumber}: unknown section [{section}]; expected one of {string.Join(", ", KnownKeys.Keys.Select(k => $"[{k}]"))}.");
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq <= 0)
                throw new RecipeException(line, $"{source}: line {lineNumber}: '{line}' is not key=value.");
            string key = line[..eq].Trim();
            string value = line[(eq + 1)..].Trim();
            if (section is null)
                throw new RecipeException(key, $"{source}: line {lineNumber}: {key} is outside any section; put it under [common_quant_param] or another section.");
            if (!KnownKeys[section].Contains(key))
                throw new RecipeException(key, $"{source}: line {lineNumber}: unknown key {key} in [{section}]; expected one of {string.Join(", ", KnownKeys[section])}.");
            if (IgnoredKeys.TryGetValue(key, out string? why))
            {
                warnings?.Add($"{source}: line {lineNumber}: [{section}] {key} ignored: {why}.");
                continue;
            }
            string id = section is "full_quant_param" or "weight_quant_param" ? $"quant_param/{key}" : key;
            if (entries.TryGetValue(id, out var previous))
                throw new RecipeException(key, $"{source}: line {lineNumber}: {key} is already set on line {previous.Line}.");
            entries[id] = new Entry(section, key, value, lineNumber);
        }
        return entries;
    }

    private sealed class Mapper(Dictionary<string, Entry> entries, string source, ICollection<string>? warnings)
    {
        /// <summary>
        /// Drops (with a warning naming the key) the keys MindSpore applies only under another quant_type or bit_num,
        /// so that what is mapped below is exactly what MindSpore would use.
        /// </summary>
        private void DropInapplicable(QuantizationMode mode, int? bits)
        {
            string type = mode switch { QuantizationMode.Full => "FULL_QUANT", QuantizationMode.WeightOnly => "WEIGHT_QUANT", _ => "DYNAMIC_QUANT" };
            var inapplicable = new List<(string Id, string Why)>();
            if (mode != QuantizationMode.WeightOnly)
            {
                inapplicable.Add(("min_quant_weight_size", "MindSpore applies it to WEIGHT_QUANT only"));
                inapplicable.Add(("min_quant_weight_channel", "MindSpore applies it to WEIGHT_QUANT only"));
            }
            if (mode != QuantizationMode.WeightOnly || bits != QuantizationRecipe.MixedBits)
            {
                string why = mode == QuantizationMode.WeightOnly
                    ? $"mixed-bit weight quantization runs with bit_num=0, and bit_num is {bits ?? QuantizationRecipe.DefaultBits}"
                    : "mixed-bit weight quantization is part of WEIGHT_QUANT (with bit_num=0)";
                inapplicable.Add(("init_scale", why));
                inapplicable.Add(("auto_tune", why));
            }
            if (mode != QuantizationMode.Full)
            {
                inapplicable.Add(("quant_param/activation_quant_method", "activations are quantized only under FULL_QUANT"));
                inapplicable.Add(("quant_param/bias_correction", "MindSpore corrects biases under FULL_QUANT only"));
            }
            if (mode == QuantizationMode.WeightOnly)
                inapplicable.Add(("skip_quant_node", "MindSpore applies it to FULL_QUANT only (weights to skip under WEIGHT_QUANT: min_quant_weight_size/min_quant_weight_channel, or overrides in a Ptq recipe)"));
            var dropped = new List<(Entry Entry, string Why)>();
            foreach (var (id, why) in inapplicable)
            {
                if (entries.Remove(id, out var e))
                    dropped.Add((e, why));
            }
            foreach (var (e, why) in dropped.OrderBy(d => d.Entry.Line))
                warnings?.Add($"{source}: line {e.Line}: [{e.Section}] {e.Key} not applied under quant_type={type}: {why}.");
        }

        public QuantizationRecipe Recipe()
        {
            if (!entries.TryGetValue("quant_type", out var quantType))
                throw new RecipeException("quant_type", $"{source}: [common_quant_param] quant_type is required: FULL_QUANT, WEIGHT_QUANT or DYNAMIC_QUANT.");
            var mode = quantType.Value.ToUpperInvariant() switch
            {
                "FULL_QUANT" => QuantizationMode.Full,
                "WEIGHT_QUANT" => QuantizationMode.WeightOnly,
                "DYNAMIC_QUANT" => QuantizationMode.Dynamic,
                _ => throw Fail(quantType, "expected FULL_QUANT, WEIGHT_QUANT or DYNAMIC_QUANT"),
            };
            var recipe = QuantizationRecipe.Default with { Mode = mode };
            DropInapplicable(mode, Int("bit_num"));
            if (Int("bit_num") is { } bits)
            {
                // bit_num=0 is MindSpore's mixed weight bits; in full mode it would also read as --act-bits mixed.
                if (bits == QuantizationRecipe.MixedBits && mode == QuantizationMode.Full)
                    throw Fail(Get("bit_num")!, "mixed bits (0) apply to WEIGHT_QUANT; FULL_QUANT needs a bit width such as 8");
                recipe = mode == QuantizationMode.Full ? recipe with { ActBits = bits, WeightBits = bits } : recipe with { WeightBits = bits };
            }
            recipe = recipe with
            {
                MinWeightSize = Int("min_quant_weight_size"),
                MinWeightChannels = Int("min_quant_weight_channel"),
                Skip = List("skip_quant_node"),
                MixedInitScale = Double("init_scale"),
                TargetCosine = Bool("auto_tune") == true ? AutoTuneCosine : null,
                Data = List("calibrate_path"),
                DebugDir = Get("debug_info_save_path") is { Value.Length: > 0 } debug ? debug.Value : null,
                CalibSize = Int("calibrate_size"),
            };
            if (Get("quant_param/activation_quant_method") is { } method)
                recipe = recipe with { Method = ParseMethod(method) };
            if (Bool("quant_param/bias_correction") is { } bias)
                recipe = recipe with { BiasCorrection = bias };
            if (Bool("quant_param/per_channel") is { } perChannel)
                recipe = recipe with { Granularity = perChannel ? Granularity.PerChannel : Granularity.PerTensor };
            if (Get("input_type") is { } inputType && inputType.Value.ToUpperInvariant() is not ("IMAGE" or "BIN"))
                throw Fail(inputType, "expected IMAGE or BIN");
            return recipe with { Preprocessing = Preprocessing() };
        }

        private ImagePreprocessing Preprocessing()
        {
            var p = new PreprocessingBuilder
            {
                Resize = Size("resize_width", "resize_height"),
                Crop = Size("center_crop_width", "center_crop_height"),
            };
            if (Get("image_to_format") is { } color) p.Color = Guard(color, () => OptionText.ParseEnum<ColorMode>(color.Value, color.Key));
            if (Get("resize_method") is { } resize) p.ResizeMethod = Guard(resize, () => OptionText.ParseEnum<ResizeMethod>(resize.Value, resize.Key));
            if (Get("normalize_mean") is { } mean) p.Mean = Guard(mean, () => OptionText.ParseFloats(mean.Value.Trim('[', ']', ' '), mean.Key));
            if (Get("normalize_std") is { } std) p.Std = Guard(std, () => OptionText.ParseFloats(std.Value.Trim('[', ']', ' '), std.Key));
            var anchor = Get("normalize_std") ?? Get("normalize_mean") ?? Get("image_to_format") ?? new Entry("data_preprocess_param", "data_preprocess_param", "", 0);
            return Guard(anchor, () => p.ApplyTo(ImagePreprocessing.Default));
        }

        private CalibrationMethod ParseMethod(Entry e) => e.Value.ToUpperInvariant() switch
        {
            "MAX_MIN" => CalibrationMethod.MinMax,
            "KL" => CalibrationMethod.Kl,
            "REMOVAL_OUTLIER" or "REMOVALOUTLIER" => CalibrationMethod.Percentile,
            _ => throw Fail(e, "expected MAX_MIN, KL or REMOVAL_OUTLIER"),
        };

        private ImageSize? Size(string widthKey, string heightKey)
        {
            int? width = Int(widthKey), height = Int(heightKey);
            if (width is null && height is null) return null;
            if (width is null || height is null)
            {
                var given = Get(width is null ? heightKey : widthKey)!;
                throw Fail(given, $"{widthKey} and {heightKey} must be given together");
            }
            return new ImageSize(width.Value, height.Value);
        }

        private Entry? Get(string id) => entries.GetValueOrDefault(id);

        private IReadOnlyList<string> List(string id) =>
            Get(id) is { } e ? e.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];

        private int? Int(string id) => Get(id) is not { } e ? null
            : int.TryParse(e.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw Fail(e, "expected an integer");

        private double? Double(string id) => Get(id) is not { } e ? null
            : double.TryParse(e.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : throw Fail(e, "expected a number");

        private bool? Bool(string id) => Get(id) is not { } e ? null
            : bool.TryParse(e.Value, out bool v) ? v : throw Fail(e, "expected true or false");

        private T Guard<T>(Entry e, Func<T> parse)
        {
            try { return parse(); }
            catch (PtqException ex) { throw new RecipeException(e.Key, $"{source}: line {e.Line}: [{e.Section}] {e.Key}: {ex.Message}", ex); }
        }

        private RecipeException Fail(Entry e, string expected) =>
            new(e.Key, $"{source}: line {e.Line}: [{e.Section}] {e.Key}={e.Value}: {expected}.");
    }
}
