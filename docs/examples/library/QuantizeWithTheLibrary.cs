// The library example of README.md: the Ptq usings and the lines between the README markers below are copied there
// (tests/Ptq.Tests/Docs checks that README.md shows exactly this code, and runs it).
using Ptq.Onnx;
using Ptq.Recipes;

namespace Ptq.Examples;

/// <summary>Quantizes model.onnx with samples from samples/ and the default recipe, as README.md shows.</summary>
public static class QuantizeWithTheLibrary
{
    /// <summary>Runs the example in the current folder.</summary>
    public static QuantizationResult Run()
    {
        // README:begin
        using var model = ModelIO.Load("model.onnx");
        var recipe = QuantizationRecipe.Default with { Data = ["samples/"] }; // images, .npy, .npz, .bin, .txt or MNIST idx
        var result = Quantizer.Quantize(model, recipe); // calibrate, quantize, accuracy guard, verify in ONNX Runtime
        result.Save("model.int8.onnx"); // and quant_param.csv beside it
        Console.WriteLine($"output cosine against float: {result.CheckCosine:F4}");
        // README:end
        return result;
    }
}
