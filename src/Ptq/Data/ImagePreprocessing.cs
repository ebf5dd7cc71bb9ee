namespace Ptq.Data;

/// <summary>
/// How an image file becomes a tensor, mirroring the CLI's PREPROCESSING flags. Applied in this order:
/// decode to 8-bit RGB (alpha dropped) → GRAY conversion if asked (Pillow "L") → resize (<c>--resize</c> or
/// <c>--resize-short</c>, Pillow filters on 8-bit pixels) → centre crop (torchvision offsets, zero padding when the crop is larger)
/// → channel order (<c>--color</c>) → per channel <c>v = pixel(0–255) − mean</c>, then <c>v / std</c> or <c>v · scale</c>,
/// then <c>v · multiply</c> → layout (<c>--layout</c>) with batch 1 → the model input's element type.
/// Mean, std and scale are given in the output channel order (BGR order for <see cref="ColorMode.Bgr"/>); a single value applies to every channel.
/// Validated once, in the constructor.
/// </summary>
public sealed record ImagePreprocessing
{
    /// <summary>Defaults: no resize, no crop, RGB, no normalisation, NCHW.</summary>
    public static ImagePreprocessing Default { get; } = new();

    /// <summary>Creates validated options.</summary>
    /// <param name="resize"><c>--resize W,H</c>: exact output size (aspect not kept).</param>
    /// <param name="resizeShort"><c>--resize-short S</c>: short side to S, long side to <c>floor(S · long / short)</c> like torchvision.</param>
    /// <param name="resizeMethod"><c>--resize-method</c>.</param>
    /// <param name="crop"><c>--crop W,H</c>: centre crop after resizing.</param>
    /// <param name="color"><c>--color</c>.</param>
    /// <param name="mean"><c>--mean</c>: subtracted from 0–255 pixels.</param>
    /// <param name="std"><c>--std</c>: divisor after the mean (exclusive with <paramref name="scale"/>).</param>
    /// <param name="scale"><c>--scale</c>: factor after the mean (TNN; exclusive with <paramref name="std"/>).</param>
    /// <param name="multiply"><c>--multiply</c>: factor applied last (Bolt).</param>
    /// <param name="layout"><c>--layout</c>.</param>
    /// <exception cref="PreprocessingOptionException">
    /// When both resize options are given, a size is not positive, both std and scale are given, a std value is zero,
    /// a value count is neither 1 nor the channel count (3, or 1 for GRAY), or a number is not finite. The message names the option.
    /// </exception>
    public ImagePreprocessing(
        ImageSize? resize = null, int? resizeShort = null, ResizeMethod resizeMethod = ResizeMethod.Linear,
        ImageSize? crop = null, ColorMode color = ColorMode.Rgb,
        IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null, IReadOnlyList<float>? scale = null,
        float? multiply = null, TensorLayout layout = TensorLayout.Nchw)
    {
        if (resize is not null && resizeShort is not null)
            throw new PreprocessingOptionException(SettingName.ResizeShort, $"{SettingName.Resize} and {SettingName.ResizeShort} are exclusive: give an exact size or a short side, not both.");
        CheckSize(resize, SettingName.Resize);
        CheckSize(crop, SettingName.Crop);
        if (resizeShort is <= 0)
            throw new PreprocessingOptionException(SettingName.ResizeShort, $"{SettingName.ResizeShort} must be positive, got {resizeShort}.");
        if (!Enum.IsDefined(resizeMethod)) throw new PreprocessingOptionException(SettingName.ResizeMethod, $"{SettingName.ResizeMethod}: unknown value {resizeMethod}.");
        if (!Enum.IsDefined(color)) throw new PreprocessingOptionException(SettingName.Color, $"{SettingName.Color}: unknown value {color}.");
        if (!Enum.IsDefined(layout)) throw new PreprocessingOptionException(SettingName.Layout, $"{SettingName.Layout}: unknown value {layout}.");
        if (std is not null && scale is not null)
            throw new PreprocessingOptionException(SettingName.Scale, $"{SettingName.Std} and {SettingName.Scale} are exclusive: {SettingName.Std} divides ((x-mean)/std), {SettingName.Scale} multiplies ((x-mean)*scale); give one.");
        int channels = color == ColorMode.Gray ? 1 : 3;
        Mean = CheckValues(mean, SettingName.Mean, channels);
        Std = CheckValues(std, SettingName.Std, channels);
        Scale = CheckValues(scale, SettingName.Scale, channels);
        if (Std is not null && Std.Any(s => s == 0f))
            throw new PreprocessingOptionException(SettingName.Std, $"{SettingName.Std} values must be non-zero, got {string.Join(",", Std)}.");
        if (multiply is { } m && !float.IsFinite(m))
            throw new PreprocessingOptionException(SettingName.Multiply, $"{SettingName.Multiply} must be a finite number, got {m}.");
        Resize = resize;
        ResizeShort = resizeShort;
        ResizeMethod = resizeMethod;
        Crop = crop;
        Color = color;
        Multiply = multiply;
        Layout = layout;
    }

    /// <summary><c>--resize W,H</c>, or null.</summary>
    public ImageSize? Resize { get; }

    /// <summary><c>--resize-short S</c>, or null.</summary>
    public int? ResizeShort { get; }

    /// <summary><c>--resize-method</c>.</summary>
    public ResizeMethod ResizeMethod { get; }

    /// <summary><c>--crop W,H</c>, or null.</summary>
    public ImageSize? Crop { get; }

    /// <summary><c>--color</c>.</summary>
    public ColorMode Color { get; }

    /// <summary><c>--mean</c> per output channel (length 1 or <see cref="Channels"/>), or null.</summary>
    public IReadOnlyList<float>? Mean { get; }

    /// <summary><c>--std</c> per output channel, or null.</summary>
    public IReadOnlyList<float>? Std { get; }

    /// <summary><c>--scale</c> per output channel, or null.</summary>
    public IReadOnlyList<float>? Scale { get; }

    /// <summary><c>--multiply</c>, or null.</summary>
    public float? Multiply { get; }

    /// <summary><c>--layout</c>.</summary>
    public TensorLayout Layout { get; }

    /// <summary>Channels of the produced tensor: 1 for GRAY, else 3.</summary>
    public int Channels => Color == ColorMode.Gray ? 1 : 3;

    /// <summary>
    /// Value of every byte 0–255 in output channel <paramref name="c"/> after normalisation, computed in double:
    /// <c>((p − mean) / std or · scale) · multiply</c>. A table is exact and avoids per-pixel division.
    /// </summary>
    internal float[] ChannelTable(int c)
    {
        double mean = Pick(Mean, c, 0f);
        var table = new float[256];
        for (int p = 0; p < 256; p++)
        {
            double v = p - mean;
            v = Std is not null ? v / Pick(Std, c, 1f) : v * Pick(Scale, c, 1f);
            table[p] = (float)(v * (Multiply ?? 1f));
        }
        return table;
    }

    private static float Pick(IReadOnlyList<float>? v, int c, float fallback) => v is null ? fallback : v.Count == 1 ? v[0] : v[c];

    private static void CheckSize(ImageSize? size, SettingName option)
    {
        if (size is { } s && (s.Width <= 0 || s.Height <= 0))
            throw new PreprocessingOptionException(option, $"{option} needs positive W,H, got {s.Width},{s.Height}.");
    }

    private static float[]? CheckValues(IReadOnlyList<float>? values, SettingName option, int channels)
    {
        if (values is null) return null;
        if (values.Count != 1 && values.Count != channels)
            throw new PreprocessingOptionException(option,
                $"{option} has {values.Count} values but the colour mode gives {channels} channel(s); give 1 or {channels} values.");
        foreach (float v in values)
            if (!float.IsFinite(v)) throw new PreprocessingOptionException(option, $"{option} values must be finite, got {v}.");
        return values.ToArray();
    }
}
