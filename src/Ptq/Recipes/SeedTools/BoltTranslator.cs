using System.Globalization;
using static Ptq.Recipes.SeedToolFrontEnd;

namespace Ptq.Recipes;

/// <summary>
/// Bolt's <c>post_training_quantization</c> flags (both versions of its documentation) → a recipe. <c>-i</c> (inference
/// precision), <c>-q</c> (storage) and <c>-o</c> (offline calibration) together choose the mode: int8 inference without
/// calibration is dynamic quantization, with <c>-o true</c> or a clip table it is static (full); fp32 inference with
/// int8 or fp16 storage is weight-only or fp16. The model is written beside <c>-p</c> as Bolt does, named
/// <c>MODEL_int8_q.onnx</c> (<c>MODEL_f16_q.onnx</c> for fp16 storage). Images are resized to the model's input size,
/// as Bolt's preprocessing does.
/// </summary>
internal static class BoltTranslator
{
    private const string Command = "bolt";

    public static IReadOnlyList<ToolFlag> Flags { get; } =
    [
        Value("-p", "MODEL.onnx", "The float ONNX model (Bolt's X2bolt -i PTQ model); the result is written beside it.") with
        {
            Required = true, Counterpart = "the MODEL argument; -o MODEL_int8_q.onnx (MODEL_f16_q.onnx for -q FP16) beside it",
        },
        Value("-i", "FP32|INT8_FP16|INT8_FP32", "Inference precision: int8 with the float ops in fp16 (INT8_FP16) or fp32 (INT8_FP32), or FP32 (only storage changes, see -q). [default: INT8_FP16]"),
        Value("-b", "true|false", "Fold BatchNorm into the preceding convolution. [default: true]"),
        Value("-q", "NOQUANT|FP16|INT8|MIX", "Weight storage: FP16, INT8, or MIX (int8, with float16 for the layers that cost the output most; needs -d). [default: NOQUANT]"),
        Value("-c", "V", "Clip every GEMM input to [-V, V]; 0: no clipping. [default: 0]"),
        Value("-s", "CLIP_TABLE", "Clip table: a JSON file, a text file of 'tensor clip' lines, or a folder of text tables (scale = clip/127)."),
        Value("-o", "true|false", "Offline calibration (KL divergence) on the -d images; false: activations quantized at run time. [default: false]"),
        Value("-d", "DIR", "Calibration images (also the samples the result is checked on)."),
        Value("-f", "BGR|RGB", "Channel order of the image tensor."),
        Value("-m", "FACTOR", "Factor the preprocessed pixels are multiplied by."),
        Switch("-V", "Log per-tensor decisions to standard error.") with { Counterpart = "-V" },
    ];

    public static ToolTranslation Translate(ToolArguments a, QuantizationRecipe baseline)
    {
        string model = a.Value("-p")!;
        if (!model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new ToolFlagException(Command, $"-p {model}", "Ptq reads ONNX models: give the .onnx file the .bolt model was converted from (X2bolt's input).");
        string inference = Choice(a, "-i", "INT8_FP16", "FP32", "INT8_FP16", "INT8_FP32", "INT8");
        string storage = Choice(a, "-q", "NOQUANT", "NOQUANT", "FP16", "INT8", "MIX");
        bool offline = Bool(a, "-o", false);
        bool fold = Bool(a, "-b", true);
        double clip = Number(a, "-c");
        string? table = a.Value("-s");
        var notes = new List<string>();

        var b = new RecipeBuilder(baseline);
        if (a.Value("-d") is { } data)
        {
            ToolTable.Apply(b, Command, SeedTool.Bolt, "-d", data);
            if (ModelImageSize.Of(model) is { } size)
                RecipeOptions.Resize.Apply(b, [size]);
        }
        if (a.Value("-f") is { } color) ToolTable.Apply(b, Command, SeedTool.Bolt, "-f", color.ToUpperInvariant());
        if (a.Value("-m") is { } multiply) ToolTable.Apply(b, Command, SeedTool.Bolt, "-m", multiply);
        ToolTable.Apply(b, Command, SeedTool.Bolt, "-b", fold ? "true" : "false");

        string mode;
        if (inference == "FP32")
        {
            if (offline || table is not null || clip > 0)
                throw new ToolFlagException(Command, $"-i FP32 with {(offline ? "-o true" : table is not null ? "-s" : "-c")}",
                    "calibration and clipping set int8 activation scales, and -i FP32 computes in float; use -i INT8_FP32 for int8 inference.");
            mode = storage switch
            {
                "FP16" => "fp16",
                "INT8" or "MIX" => "weight-only",
                _ => throw new ToolFlagException(Command, "-i FP32 -q NOQUANT", "nothing to quantize: fp32 inference with float storage is the float model; give -q INT8 or -q FP16 to compress the weights."),
            };
        }
        else
        {
            if (storage == "FP16")
                throw new ToolFlagException(Command, $"-i {inference} -q FP16", "int8 inference stores the quantized weights in int8 already; use -i FP32 -q FP16 for fp16 storage with float compute.");
            mode = offline || table is not null ? "full" : "dynamic";
            if (mode == "full")
                ToolTable.Apply(b, Command, SeedTool.Bolt, "-i", inference);
            else if (inference == "INT8_FP16")
                notes.Add("bolt -i INT8_FP16 without calibration (-o true or -s): the dynamic int8 model computes its float operators in fp32, as -i INT8_FP32 (ONNX Runtime fuses them with the dynamic quantization; fp16 float operators come with static int8)");
            if (offline) ToolTable.Apply(b, Command, SeedTool.Bolt, "-o true", "kl");
        }
        ApplyMode(b, mode);
        if (mode == "full" && a.Value("-d") is null)
            throw new ToolFlagException(Command, offline ? "-o true" : "-s", "static int8 quantization calibrates (and checks the result) on sample images; give them with -d DIR.");
        if (storage == "MIX" && a.Value("-d") is null)
            throw new ToolFlagException(Command, "-q MIX", "MIX finds the accuracy-critical layers by measuring the output on samples; give them with -d DIR.");
        if (storage == "MIX")
            ToolTable.Apply(b, Command, SeedTool.Bolt, "-q", storage);
        if (clip > 0) ToolTable.Apply(b, Command, SeedTool.Bolt, "-c", a.Value("-c")!);
        if (table is not null) ToolTable.Apply(b, Command, SeedTool.Bolt, "-s", table);

        string stem = Path.Combine(Path.GetDirectoryName(model) ?? "", Path.GetFileNameWithoutExtension(model));
        string output = stem + (mode == "fp16" ? "_f16_q.onnx" : "_int8_q.onnx");
        return new ToolTranslation(b.Build(), model, output, a.Has("-V"), notes);
    }

    private static void ApplyMode(RecipeBuilder b, string mode) => ToolTable.Apply(b, Command, SeedTool.Bolt, "-i / -o / -q", mode);

    private static string Choice(ToolArguments a, string flag, string fallback, params string[] choices)
    {
        string value = a.Value(flag, fallback)!;
        return choices.FirstOrDefault(c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase))
            ?? throw new ToolFlagException(Command, $"{flag} {value}", $"expected one of {string.Join(", ", choices.Where(c => c != "INT8" || flag != "-i"))}.");
    }

    private static bool Bool(ToolArguments a, string flag, bool fallback) =>
        a.Value(flag) is not { } text ? fallback
        : bool.TryParse(text, out bool value) ? value
        : throw new ToolFlagException(Command, $"{flag} {text}", "expected true or false.");

    private static double Number(ToolArguments a, string flag) =>
        a.Value(flag) is not { } text ? 0
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v) ? v
        : throw new ToolFlagException(Command, $"{flag} {text}", "expected a clip value of 0 (no clipping) or more.");
}
