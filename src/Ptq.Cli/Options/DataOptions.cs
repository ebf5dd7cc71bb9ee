using System.CommandLine;
using Ptq.Data;
using Ptq.Recipes;

namespace Ptq.Cli.Options;

/// <summary>
/// The <c>--data SPEC...</c> option and the PREPROCESSING flags of DESIGN.md §6, shared by calibrate, quantize, eval
/// and debug. Maps a parse result onto <see cref="DataSourceOptions"/>; the library validates the values.
/// </summary>
internal sealed class DataOptions
{
    public Option<string[]> Data { get; } = new("--data") { Description = "Data: a folder or file, or INPUT_NAME:PATH for models with several inputs (repeatable).", AllowMultipleArgumentsPerToken = true };
    public Option<string?> Resize { get; } = new("--resize") { Description = "Resize images to exactly W,H." };
    public Option<int?> ResizeShort { get; } = new("--resize-short") { Description = "Resize the short side to S, keeping the aspect ratio." };
    public Option<string?> ResizeMethod { get; } = new("--resize-method") { Description = "linear (default), nearest or cubic (Pillow filters)." };
    public Option<string?> Crop { get; } = new("--crop") { Description = "Centre-crop to W,H after resizing." };
    public Option<string?> Color { get; } = new("--color") { Description = "Channel order: RGB (default), BGR or GRAY." };
    public Option<string?> Mean { get; } = new("--mean") { Description = "Per-channel mean subtracted from 0-255 pixels: a,b,c." };
    public Option<string?> Std { get; } = new("--std") { Description = "Per-channel divisor after the mean: (x-mean)/std." };
    public Option<string?> Scale { get; } = new("--scale") { Description = "Per-channel factor after the mean (TNN): (x-mean)*scale." };
    public Option<float?> Multiply { get; } = new("--multiply") { Description = "Factor applied last (Bolt)." };
    public Option<string?> Layout { get; } = new("--layout") { Description = "NCHW (default) or NHWC." };
    public Option<bool> Recursive { get; } = new("--recursive") { Description = "Also read files in sub-folders." };
    public Option<bool> SkipCorrupt { get; } = new("--skip-corrupt") { Description = "Skip unreadable images (the count is reported) instead of failing." };
    public Option<long?> MaxImagePixels { get; } = new("--max-image-pixels") { HelpName = "N", Description = "Refuse images declaring more than N pixels before decoding them (default 178956970, Pillow's decompression-bomb limit)." };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command, bool dataRequired)
    {
        Data.Required = dataRequired;
        foreach (var option in new Option[] { Data, Resize, ResizeShort, ResizeMethod, Crop, Color, Mean, Std, Scale, Multiply, Layout, Recursive, SkipCorrupt, MaxImagePixels })
            command.Options.Add(option);
    }

    /// <summary>The data specs given (empty when none).</summary>
    public IReadOnlyList<string> Specs(ParseResult result) => result.GetValue(Data) ?? [];

    /// <summary>Builds validated source options; <see cref="PreprocessingOptionException"/> names a bad flag.</summary>
    public DataSourceOptions ToSourceOptions(ParseResult result, int? limit = null)
    {
        var preprocessing = new ImagePreprocessing(
            resize: result.GetValue(Resize) is { } r ? ImageSize.Parse(r, "--resize") : null,
            resizeShort: result.GetValue(ResizeShort),
            resizeMethod: result.GetValue(ResizeMethod) is { } m ? OptionText.ParseEnum<ResizeMethod>(m, "--resize-method") : Ptq.Data.ResizeMethod.Linear,
            crop: result.GetValue(Crop) is { } c ? ImageSize.Parse(c, "--crop") : null,
            color: result.GetValue(Color) is { } color ? OptionText.ParseEnum<ColorMode>(color, "--color") : ColorMode.Rgb,
            mean: Floats(result, Mean, "--mean"),
            std: Floats(result, Std, "--std"),
            scale: Floats(result, Scale, "--scale"),
            multiply: result.GetValue(Multiply),
            layout: result.GetValue(Layout) is { } l ? OptionText.ParseEnum<TensorLayout>(l, "--layout") : TensorLayout.Nchw);
        return new DataSourceOptions
        {
            Preprocessing = preprocessing,
            Limit = limit,
            Recursive = result.GetValue(Recursive),
            SkipCorrupt = result.GetValue(SkipCorrupt),
            MaxImagePixels = PixelLimit(result),
        };
    }

    /// <summary>The <c>--max-image-pixels</c> value, or the library default when not given.</summary>
    public long PixelLimit(ParseResult result) => result.GetValue(MaxImagePixels) switch
    {
        null => ResourceLimits.MaxImagePixels,
        <= 0 and var n => throw new PreprocessingOptionException("--max-image-pixels", $"--max-image-pixels must be positive, got {n}"),
        { } n => n,
    };

    /// <summary>The PREPROCESSING flags given on the command line, to lay over a recipe's preprocessing (unset flags stay null).</summary>
    public PreprocessingBuilder PreprocessingFlags(ParseResult result) => new()
    {
        Resize = result.GetValue(Resize) is { } r ? ImageSize.Parse(r, "--resize") : null,
        ResizeShort = result.GetValue(ResizeShort),
        ResizeMethod = result.GetValue(ResizeMethod) is { } m ? OptionText.ParseEnum<ResizeMethod>(m, "--resize-method") : null,
        Crop = result.GetValue(Crop) is { } c ? ImageSize.Parse(c, "--crop") : null,
        Color = result.GetValue(Color) is { } color ? OptionText.ParseEnum<ColorMode>(color, "--color") : null,
        Mean = Floats(result, Mean, "--mean"),
        Std = Floats(result, Std, "--std"),
        Scale = Floats(result, Scale, "--scale"),
        Multiply = result.GetValue(Multiply),
        Layout = result.GetValue(Layout) is { } l ? OptionText.ParseEnum<TensorLayout>(l, "--layout") : null,
    };

    private static float[]? Floats(ParseResult result, Option<string?> option, string name) =>
        result.GetValue(option) is { } text ? OptionText.ParseFloats(text, name) : null;
}
