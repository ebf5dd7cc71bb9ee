namespace Ptq.Data;

/// <summary>Resampling filter for <c>--resize-method</c>; each reproduces Pillow's <c>Image.resize</c> on 8-bit images.</summary>
public enum ResizeMethod
{
    /// <summary>Pillow BILINEAR: triangle filter whose support widens with the downscale factor (antialiasing).</summary>
    Linear,
    /// <summary>Pillow NEAREST: source pixel <c>floor((x + 0.5) · in / out)</c>.</summary>
    Nearest,
    /// <summary>Pillow BICUBIC: Keys cubic with a = −0.5, support widened with the downscale factor.</summary>
    Cubic,
}

/// <summary>Channel order of the produced tensor for <c>--color</c>.</summary>
public enum ColorMode
{
    /// <summary>Red, green, blue (3 channels).</summary>
    Rgb,
    /// <summary>Blue, green, red (3 channels; Caffe-style models).</summary>
    Bgr,
    /// <summary>One luminance channel, computed as Pillow's mode "L" conversion.</summary>
    Gray,
}

/// <summary>Memory layout of the produced image tensor for <c>--layout</c>.</summary>
public enum TensorLayout
{
    /// <summary>[1, C, H, W].</summary>
    Nchw,
    /// <summary>[1, H, W, C].</summary>
    Nhwc,
}

/// <summary>A width and height in pixels.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct ImageSize(int Width, int Height)
{
    /// <summary>Parses <c>"W,H"</c> (a single number means a square).</summary>
    /// <exception cref="PreprocessingOptionException">When the text is not one or two positive integers; the message names <paramref name="optionName"/>.</exception>
    public static ImageSize Parse(string text, string optionName)
    {
        int[] v = OptionText.ParseInts(text, optionName);
        return v.Length is 1 or 2 ? Of(v) : throw new PreprocessingOptionException(optionName, $"{optionName} expects W,H but got '{text}'.");
    }

    /// <summary>Parses <c>"W,H"</c> for <paramref name="option"/>; messages name it in the caller's spelling.</summary>
    internal static ImageSize Parse(string text, ISetting option)
    {
        int[] v = OptionText.ParseInts(text, option);
        return v.Length is 1 or 2 ? Of(v) : throw new PreprocessingOptionException(option, $"{option} expects W,H but got '{text}'.");
    }

    private static ImageSize Of(int[] v) => new(v[0], v.Length == 2 ? v[1] : v[0]);

    /// <inheritdoc/>
    public override string ToString() => $"{Width},{Height}";
}
