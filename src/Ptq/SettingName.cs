namespace Ptq;

/// <summary>
/// A setting named in a message by code below the option table (<see cref="Recipes.RecipeOptions"/>, which sits in the
/// top layer): like a <see cref="Recipes.RecipeOption"/>, it writes itself as its key (<c>clip</c>, in
/// <see cref="Exception.Message"/>) or as its flag under <see cref="OptionSpelling.Flags"/> (<c>--clip</c>, what the CLI
/// prints). A test checks that each key is an option of the table or a flag of a command.
/// </summary>
internal sealed class SettingName : ISetting
{
    private SettingName(string key) => Key = key;

    public static SettingName Data { get; } = new("data");
    public static SettingName Labels { get; } = new("labels");
    public static SettingName Shard { get; } = new("shard");
    public static SettingName Clip { get; } = new("clip");
    public static SettingName Mode { get; } = new("mode");
    public static SettingName ActBits { get; } = new("act-bits");
    public static SettingName TargetCosine { get; } = new("target-cosine");
    public static SettingName FoldBn { get; } = new("fold-bn");
    public static SettingName Resize { get; } = new("resize");
    public static SettingName ResizeShort { get; } = new("resize-short");
    public static SettingName ResizeMethod { get; } = new("resize-method");
    public static SettingName Color { get; } = new("color");
    public static SettingName Layout { get; } = new("layout");
    public static SettingName Crop { get; } = new("crop");
    public static SettingName Mean { get; } = new("mean");
    public static SettingName Std { get; } = new("std");
    public static SettingName Scale { get; } = new("scale");
    public static SettingName Multiply { get; } = new("multiply");
    public static SettingName CalibSize { get; } = new("calib-size");
    public static SettingName MaxImagePixels { get; } = new("max-image-pixels");
    public static SettingName WeightMethod { get; } = new("weight-method");
    public static SettingName ReconSamples { get; } = new("recon-samples");
    public static SettingName AdaroundIterations { get; } = new("adaround-iterations");
    public static SettingName EdgeWeightBits { get; } = new("edge-weight-bits");
    public static SettingName SmoothQuant { get; } = new("smooth-quant");
    public static SettingName OnlyOp { get; } = new("only-op");
    public static SettingName Format { get; } = new("format");
    public static SettingName Method { get; } = new("method");
    public static SettingName LapqIterations { get; } = new("lapq-iterations");
    public static SettingName LapqMaxEvals { get; } = new("lapq-max-evals");
    public static SettingName LapqSamples { get; } = new("lapq-samples");
    public static SettingName LapqInitP { get; } = new("lapq-init-p");

    /// <summary>Every name above, for the test that matches them against the option table and the commands.</summary>
    internal static IReadOnlyList<SettingName> All { get; } =
        [Data, Labels, Shard, Clip, Mode, ActBits, TargetCosine, FoldBn, Resize, ResizeShort, ResizeMethod, Color, Layout, Crop, Mean, Std, Scale, Multiply, CalibSize, MaxImagePixels,
         WeightMethod, ReconSamples, AdaroundIterations, EdgeWeightBits, SmoothQuant, OnlyOp, Format, Method, LapqIterations, LapqMaxEvals, LapqSamples, LapqInitP];

    /// <inheritdoc/>
    public string Key { get; }

    /// <inheritdoc/>
    public override string ToString() => Key;

    /// <summary>The flag under <see cref="OptionSpelling.Flags"/>, else the key.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider) =>
        formatProvider is OptionSpelling { UsesFlags: true } ? "--" + Key : Key;
}
