using Ptq.Data;
using Ptq.Onnx;

namespace Ptq.Recipes;

/// <summary>
/// The size Bolt's and TNN's calibration tools bring images to: the model's own input size. Neither tool has a resize
/// flag; both read the input tensor's height and width and resize every image to them.
/// </summary>
internal static class ModelImageSize
{
    /// <summary><c>W,H</c> of the model's single NCHW input with fixed height and width, or null (several inputs, or dynamic sizes).</summary>
    public static string? Of(string modelPath)
    {
        using var model = ModelIO.Load(modelPath);
        return ModelInputs.Of(model) is [{ Rank: 4 } input] && !input.IsDynamic(2) && !input.IsDynamic(3)
            ? $"{input.Shape[3]},{input.Shape[2]}" : null;
    }
}
