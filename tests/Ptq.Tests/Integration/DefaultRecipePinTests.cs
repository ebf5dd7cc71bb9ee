using Ptq.Data;
using Ptq.Onnx;
using Ptq.Recipes;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>
/// The default recipe through <see cref="RecipeQuantizer"/> (what <c>ptq quantize MODEL --data D</c> runs) on the
/// shared image models writes exactly the pinned bytes (<see cref="DefaultRecipePins"/>); the OCR models' pins are
/// checked in their own tests, which run the default recipe already.
/// </summary>
public sealed class DefaultRecipePinTests(ITestOutputHelper output)
{
    [PinFact]
    public void SqueezeNet() => Pin("squeezenet1.1.onnx", Assets.Get("imagenet", "images"), 100,
        new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224), color: ColorMode.Bgr, mean: [104, 117, 123]), DefaultRecipePins.SqueezeNet);

    [PinFact]
    public void Mnist() => Pin("mnist-cnn.onnx", Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"), 200, ImagePreprocessing.Default, DefaultRecipePins.Mnist);

    [PinFact]
    public void Cifar10() => Pin("cifar10-cnn.onnx", Assets.Get("cifar10", "test"), 300,
        new ImagePreprocessing(mean: [127.5f], std: [127.5f]), DefaultRecipePins.Cifar10, recursive: true);

    /// <summary>A fact skipped, saying why, on processors whose kernels the pins were not recorded with.</summary>
    private sealed class PinFactAttribute : FactAttribute
    {
        public PinFactAttribute() => Skip = DefaultRecipePins.NotCheckable;
    }

    private void Pin(string modelFile, string data, int samples, ImagePreprocessing preprocessing, string pinned, bool recursive = false)
    {
        using var model = ModelIO.Load(Assets.Model(modelFile));
        var recipe = QuantizationRecipe.Default with { Data = [data], CalibSize = samples, Preprocessing = preprocessing };
        var run = RecipeQuantizer.Run(model, recipe, recipe.ToSourceOptions() with { Recursive = recursive });
        output.WriteLine($"{modelFile}: check cosine {run.CheckCosine:F5}");
        DefaultRecipePins.Check(pinned, run.Result.Model, output);
    }
}
