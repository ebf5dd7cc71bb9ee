using Ptq.Data;

namespace Ptq.Recipes;

/// <summary>
/// One layer of PREPROCESSING values (a recipe file, or the flags on a command line): null means "not given here".
/// <see cref="ApplyTo"/> lays the given values over a baseline, so flags override a recipe field by field; giving
/// <c>--std</c> drops a baseline <c>--scale</c> (and vice versa), and <c>--resize</c> drops <c>--resize-short</c>.
/// </summary>
internal sealed class PreprocessingBuilder
{
    /// <summary><c>--resize W,H</c>.</summary>
    public ImageSize? Resize { get; set; }

    /// <summary><c>--resize-short S</c>.</summary>
    public int? ResizeShort { get; set; }

    /// <summary><c>--resize-method</c>.</summary>
    public ResizeMethod? ResizeMethod { get; set; }

    /// <summary><c>--crop W,H</c>.</summary>
    public ImageSize? Crop { get; set; }

    /// <summary><c>--color</c>.</summary>
    public ColorMode? Color { get; set; }

    /// <summary><c>--mean</c>.</summary>
    public IReadOnlyList<float>? Mean { get; set; }

    /// <summary><c>--std</c>.</summary>
    public IReadOnlyList<float>? Std { get; set; }

    /// <summary><c>--scale</c>.</summary>
    public IReadOnlyList<float>? Scale { get; set; }

    /// <summary><c>--multiply</c>.</summary>
    public float? Multiply { get; set; }

    /// <summary><c>--layout</c>.</summary>
    public TensorLayout? Layout { get; set; }

    /// <summary>True when no value is given.</summary>
    public bool IsEmpty => Resize is null && ResizeShort is null && ResizeMethod is null && Crop is null && Color is null
        && Mean is null && Std is null && Scale is null && Multiply is null && Layout is null;

    /// <summary>The baseline with every given value replacing its own.</summary>
    /// <exception cref="PreprocessingOptionException">This layer gives exclusive options together, or the result is invalid; names the option.</exception>
    public ImagePreprocessing ApplyTo(ImagePreprocessing baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (IsEmpty) return baseline;
        return new ImagePreprocessing(
            resize: Resize ?? (ResizeShort is null ? baseline.Resize : null),
            resizeShort: ResizeShort ?? (Resize is null ? baseline.ResizeShort : null),
            resizeMethod: ResizeMethod ?? baseline.ResizeMethod,
            crop: Crop ?? baseline.Crop,
            color: Color ?? baseline.Color,
            mean: Mean ?? baseline.Mean,
            std: Std ?? (Scale is null ? baseline.Std : null),
            scale: Scale ?? (Std is null ? baseline.Scale : null),
            multiply: Multiply ?? baseline.Multiply,
            layout: Layout ?? baseline.Layout);
    }
}
