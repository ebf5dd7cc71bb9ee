using static Ptq.Recipes.SeedToolFrontEnd;

namespace Ptq.Recipes;

/// <summary>
/// MindSpore Lite's converter flags, the quantization part: <c>--configFile</c> is read by
/// <see cref="MindSporeConfigReader"/> (every section and key as <c>ptq quantize --recipe FILE.cfg</c> reads it),
/// <c>--modelFile</c> is the ONNX model, and <c>--outputFile=OUT</c> writes <c>OUT.onnx</c> where the converter writes
/// <c>OUT.ms</c>. <c>debug_info_save_path</c> becomes the recipe's debug-dir: MindSpore's debug files are written there
/// after the run (<see cref="MindSporeDebugInfo"/>), as with <c>ptq quantize --recipe FILE.cfg</c>.
/// </summary>
internal static class MindSporeTranslator
{
    private const string Command = "mindspore";

    public static IReadOnlyList<ToolFlag> Flags { get; } =
    [
        Value("--fmk", "ONNX", "The source framework; Ptq reads ONNX. [default: ONNX]") with { Counterpart = "ONNX only (other frameworks refused)" },
        Value("--modelFile", "MODEL.onnx", "The float ONNX model.") with { Required = true, Counterpart = "the MODEL argument" },
        Value("--outputFile", "OUT", "Output name: OUT.onnx is written (the converter writes OUT.ms), quant_param.csv beside it.") with { Required = true, Counterpart = "-o OUT.onnx" },
        Value("--configFile", "FILE.cfg", "The quantization config: [common_quant_param], [mixed_bit_weight_quant_param], [full_quant_param], [data_preprocess_param].") with { Required = true, Counterpart = "--recipe FILE.cfg" },
        Value("--quantType", "WeightQuant|PostTraining", "The converter's older quantization switch.") with
        {
            Refusal = "the config's [common_quant_param] quant_type (WEIGHT_QUANT or FULL_QUANT) chooses the quantization; leave --quantType out.",
        },
        Value("--weightFile", "FILE", "Weights of a Caffe model.") with
        {
            Refusal = "an ONNX model holds its weights (or names its external data files itself); leave --weightFile out.",
        },
        Value("--fp16", "on|off", "Store float weights as float16.") with
        {
            Refusal = "not combined with a quantization config here; for float16 storage use 'ptq quantize MODEL --mode fp16 -o OUT.onnx'.",
        },
    ];

    public static ToolTranslation Translate(ToolArguments a, QuantizationRecipe baseline)
    {
        if (a.Value("--fmk") is { } fmk && !string.Equals(fmk, "ONNX", StringComparison.OrdinalIgnoreCase))
            throw new ToolFlagException(Command, $"--fmk={fmk}", "Ptq reads ONNX models: convert the model to ONNX first and give --fmk=ONNX (or leave it out).");
        string model = a.Value("--modelFile")!;
        if (!model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new ToolFlagException(Command, $"--modelFile={model}", "Ptq reads ONNX models: give the .onnx file.");
        string config = a.Value("--configFile")!;
        var notes = new List<string>();
        string text = IO.InputFiles.ReadAllText(config, ResourceLimits.MaxConfigFileBytes,
            (problem, e) => new ToolFlagException(Command, $"--configFile={config}", $"cannot be read: {problem}", e));
        var recipe = MindSporeConfigReader.Parse(text, config, notes);
        string output = a.Value("--outputFile")!;
        if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            output += ".onnx";
        return new ToolTranslation(recipe, model, output, Verbose: false, notes);
    }
}
