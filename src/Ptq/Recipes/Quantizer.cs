using Ptq.Calibration;
using Ptq.Data;
using Ptq.Onnx;

namespace Ptq.Recipes;

/// <summary>
/// The library's front door for quantization: exactly what <c>ptq quantize</c> does. Prepares and plans the model,
/// calibrates once (or reads the recipe's statistics), quantizes in the recipe's mode, runs the accuracy guard or the
/// target search, and verifies the result in ONNX Runtime before returning it.
/// </summary>
/// <example>
/// <code>
/// using var model = ModelIO.Load("model.onnx");
/// var result = Quantizer.Quantize(model, QuantizationRecipe.Default with { Data = ["images/"], CalibSize = 100 });
/// result.Save("model.int8.onnx");          // and quant_param.csv beside it
/// Console.WriteLine(result.CheckCosine);   // output cosine against float on 32 of the samples
/// </code>
/// </example>
public static class Quantizer
{
    /// <summary>
    /// Quantizes <paramref name="model"/> (not modified) as <paramref name="recipe"/> says. Samples come from
    /// <paramref name="data"/> when given, else from the recipe's <see cref="QuantizationRecipe.Data"/> specs; a
    /// data-free mode uses them only to check the output. Throws <see cref="PtqException"/> for bad input (the message
    /// names the file, tensor or setting), <see cref="OutputVerificationException"/> when the result fails verification
    /// (Ptq's fault; do not write it) and <see cref="OperationCanceledException"/> when cancelled. A result that falls
    /// short of the guard or a target is returned with <see cref="QuantizationResult.Shortfall"/> set.
    /// </summary>
    public static QuantizationResult Quantize(OnnxModel model, QuantizationRecipe recipe, ICalibrationSource? data = null,
        IProgress<CalibrationProgress>? progress = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(recipe);
        recipe.Validate();
        var run = data is null
            ? RecipeQuantizer.Run(model, recipe, sourceOptions: null, progress, log, cancellationToken)
            : RecipeQuantizer.Run(model, recipe, data, progress, log, cancellationToken);
        return new QuantizationResult(run, recipe);
    }
}
