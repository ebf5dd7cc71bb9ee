using static Ptq.Recipes.SeedToolFrontEnd;

namespace Ptq.Recipes;

/// <summary>
/// TNN's <c>quantization_cmd</c> flags → a recipe, with TNN's documented defaults (min-max activations and weights,
/// per-channel weights and activations (<c>-t 0</c> → per-channel-acts), RGB); images are resized to the model's input size, as TNN does. TNN's <c>-p</c>/<c>-m</c> pair
/// (.tnnproto and .tnnmodel) is one ONNX file here; the output is <c>-o NAME</c> + <c>.onnx</c> in the current folder
/// (<c>model_quantized.onnx</c> by default), as TNN writes its pair.
/// </summary>
internal static class TnnTranslator
{
    private const string Command = "tnn";

    public static IReadOnlyList<ToolFlag> Flags { get; } =
    [
        Value("-p", "MODEL.onnx", "The float ONNX model (TNN's .tnnproto and .tnnmodel are one ONNX file).", "--proto") with { Required = true, Counterpart = "the MODEL argument" },
        Value("-m", "MODEL.onnx", "The same ONNX model again (TNN's .tnnmodel); optional.", "--model") with { Counterpart = "the MODEL argument (the same file as -p)" },
        Value("-i", "DIR", "Calibration inputs: images (.jpg .jpeg .png .bmp) or .txt files of NCHW floats, one per line.", "--input_path") with { Required = true },
        Value("-b", "0|2", "Activation ranges: 0 min-max, 2 KL divergence. [default: 0]", "--blob_method"),
        Value("-w", "0|1", "Weight ranges: 0 min-max, 1 ADMM. [default: 0]", "--weight_method"),
        Value("-n", "MEAN", "Per-channel mean subtracted from images, e.g. 104,117,123: (input - mean) * scale.", "--mean"),
        Value("-s", "SCALE", "Per-channel factor after the mean, e.g. 0.017,0.017,0.017.", "--scale"),
        Value("-r", "0|1", "Channel order of images: 0 RGB, 1 BGR. [default: 0]", "--reverse_channel"),
        Value("-t", "0|1|2", "Granularity: 0 per-channel, 1 mix (per-channel weights, per-tensor activations), 2 per-tensor. [default: 0]", "--merge_type"),
        Value("-o", "NAME", "Output name; NAME.onnx is written (quant_param.csv beside it). [default: model_quantized]", "--output") with { Counterpart = "-o NAME.onnx" },
    ];

    public static ToolTranslation Translate(ToolArguments a, QuantizationRecipe baseline)
    {
        string model = a.Value("-p")!;
        if (a.Value("-m") is { } weights && Path.GetFullPath(weights) != Path.GetFullPath(model))
            throw new ToolFlagException(Command, $"-m {weights}", $"an ONNX model is one file: -m must name the -p model ({model}) or be left out.");
        if (!model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new ToolFlagException(Command, $"-p {model}", "Ptq reads ONNX models: give the .onnx file the .tnnproto was converted from.");
        var notes = new List<string>();
        var b = new RecipeBuilder(baseline);
        ToolTable.Apply(b, Command, SeedTool.Tnn, "-i", a.Value("-i")!);
        if (ModelImageSize.Of(model) is { } size)
            RecipeOptions.Resize.Apply(b, [size]);
        // TNN's documented defaults, where Ptq's differ.
        ToolTable.Apply(b, Command, SeedTool.Tnn, "-b", a.Value("-b", "0")!);
        ToolTable.Apply(b, Command, SeedTool.Tnn, "-w", a.Value("-w", "0")!);
        ToolTable.Apply(b, Command, SeedTool.Tnn, "-r", a.Value("-r", "0")!);
        string merge = a.Value("-t", "0")!;
        ToolTable.Apply(b, Command, SeedTool.Tnn, "-t", merge);
        if (a.Value("-n") is { } mean) ToolTable.Apply(b, Command, SeedTool.Tnn, "-n", NoSpaces(mean));
        if (a.Value("-s") is { } scale) ToolTable.Apply(b, Command, SeedTool.Tnn, "-s", NoSpaces(scale));
        string name = a.Value("-o", "model_quantized")!;
        string output = name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? name : name + ".onnx";
        return new ToolTranslation(b.Build(), model, output, Verbose: false, notes);
    }

    // TNN writes lists as "0.0, 0.0, 0.0".
    private static string NoSpaces(string list) => string.Concat(list.Where(c => !char.IsWhiteSpace(c)));
}
