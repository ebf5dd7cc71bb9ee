using System.Globalization;
using Ptq.Calibration;
using Ptq.Quantization;

namespace Ptq.Recipes;

/// <summary>
/// The spellings of recipe values, shared by the CLI, the recipe readers and the YAML writer: each enum value has one
/// canonical lower-case name (parsed case-insensitively). Strings are turned into enums here, once, at the boundary.
/// </summary>
public static class RecipeNames
{
    private static readonly (string Name, QuantizationMode Value)[] Modes =
        [("full", QuantizationMode.Full), ("weight-only", QuantizationMode.WeightOnly), ("dynamic", QuantizationMode.Dynamic), ("fp16", QuantizationMode.Fp16)];

    private static readonly (string Name, QuantMode Value)[] QuantModes =
        [("sym", QuantMode.Symmetric), ("asym_u", QuantMode.AsymmetricUnsigned), ("asym_s", QuantMode.AsymmetricSigned)];

    private static readonly (string Name, Granularity Value)[] Granularities =
        [("per-channel", Granularity.PerChannel), ("per-tensor", Granularity.PerTensor), ("mix", Granularity.Mix)];

    private static readonly (string Name, CalibrationMethod Value)[] Methods =
    [
        ("minmax", CalibrationMethod.MinMax), ("avg", CalibrationMethod.Avg), ("ema", CalibrationMethod.Ema),
        ("percentile", CalibrationMethod.Percentile), ("kl", CalibrationMethod.Kl), ("mse", CalibrationMethod.Mse),
        ("aciq-gauss", CalibrationMethod.AciqGauss), ("aciq-laplace", CalibrationMethod.AciqLaplace), ("nstd", CalibrationMethod.NStd),
    ];

    private static readonly (string Name, WeightMethod Value)[] WeightMethods =
        [("minmax", WeightMethod.MinMax), ("mse", WeightMethod.Mse), ("admm", WeightMethod.Admm), ("adaround", WeightMethod.AdaRound), ("hqq", WeightMethod.Hqq)];

    /// <summary>The word for mixed bit widths in <c>--weight-bits N|mixed</c> and <c>--act-bits N|mixed</c>.</summary>
    public const string Mixed = "mixed";

    /// <summary>The word that turns the accuracy guard off in <c>--accuracy-guard C|off</c>.</summary>
    public const string Off = "off";

    /// <summary>Parses <c>C|off</c>; off gives <see cref="QuantizationRecipe.AccuracyGuardOff"/>. The range is checked by <see cref="QuantizationRecipe.Validate"/>.</summary>
    /// <exception cref="RecipeException">Neither a finite number nor <c>off</c>.</exception>
    public static double ParseAccuracyGuard(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.Equals(text.Trim(), Off, StringComparison.OrdinalIgnoreCase))
            return QuantizationRecipe.AccuracyGuardOff;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double cosine) && double.IsFinite(cosine) && cosine != QuantizationRecipe.AccuracyGuardOff)
            return cosine;
        throw new RecipeException(option, $"{option} '{text}': expected an output cosine in (0, 1], e.g. 0.995, or '{Off}'.");
    }

    /// <summary><c>off</c> for <see cref="QuantizationRecipe.AccuracyGuardOff"/>, else the number in invariant culture.</summary>
    public static string AccuracyGuardName(double guard) =>
        guard == QuantizationRecipe.AccuracyGuardOff ? Off : guard.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Parses <c>full|weight-only|dynamic|fp16</c>.</summary>
    /// <exception cref="RecipeException">Unknown name; the message names <paramref name="option"/> and lists the valid names.</exception>
    public static QuantizationMode ParseMode(string text, string option) => Parse(Modes, text, option);

    /// <summary>Parses <c>sym|asym_u|asym_s</c>.</summary>
    /// <exception cref="RecipeException">Unknown name.</exception>
    public static QuantMode ParseQuantMode(string text, string option) => Parse(QuantModes, text, option);

    /// <summary>Parses <c>per-channel|per-tensor|mix</c>.</summary>
    /// <exception cref="RecipeException">Unknown name.</exception>
    public static Granularity ParseGranularity(string text, string option) => Parse(Granularities, text, option);

    /// <summary>Parses <c>minmax|avg|ema|percentile|kl|mse|aciq-gauss|aciq-laplace|nstd</c>.</summary>
    /// <exception cref="RecipeException">Unknown name.</exception>
    public static CalibrationMethod ParseMethod(string text, string option) => Parse(Methods, text, option);

    /// <summary>Parses <c>minmax|mse|admm|adaround|hqq</c>.</summary>
    /// <exception cref="RecipeException">Unknown name.</exception>
    public static WeightMethod ParseWeightMethod(string text, string option) => Parse(WeightMethods, text, option);

    /// <summary>Parses <c>N|mixed</c>; mixed gives <see cref="QuantizationRecipe.MixedBits"/>. The range is checked by <see cref="QuantizationRecipe.Validate"/>.</summary>
    /// <exception cref="RecipeException">Neither an integer nor <c>mixed</c>.</exception>
    public static int ParseWeightBits(string text, string option) => ParseBits(text, option, "1 to 16");

    /// <summary>Parses <c>N|mixed</c> for activations; mixed gives <see cref="QuantizationRecipe.MixedBits"/>. The range is checked by <see cref="QuantizationRecipe.Validate"/>.</summary>
    /// <exception cref="RecipeException">Neither an integer nor <c>mixed</c>.</exception>
    public static int ParseActBits(string text, string option) => ParseBits(text, option, "2 to 16");

    /// <summary>Canonical name of <paramref name="value"/>.</summary>
    public static string Name(QuantizationMode value) => Format(Modes, value);

    /// <summary>Canonical name of <paramref name="value"/>.</summary>
    public static string Name(QuantMode value) => Format(QuantModes, value);

    /// <summary>Canonical name of <paramref name="value"/>.</summary>
    public static string Name(Granularity value) => Format(Granularities, value);

    /// <summary>Canonical name of <paramref name="value"/>.</summary>
    public static string Name(CalibrationMethod value) => Format(Methods, value);

    /// <summary>Canonical name of <paramref name="value"/>.</summary>
    public static string Name(WeightMethod value) => Format(WeightMethods, value);

    /// <summary><c>mixed</c> for <see cref="QuantizationRecipe.MixedBits"/>, else the number.</summary>
    public static string WeightBitsName(int bits) => BitsName(bits);

    /// <summary><c>mixed</c> for <see cref="QuantizationRecipe.MixedBits"/>, else the number (weights or activations).</summary>
    public static string BitsName(int bits) =>
        bits == QuantizationRecipe.MixedBits ? Mixed : bits.ToString(CultureInfo.InvariantCulture);

    private static int ParseBits(string text, string option, string range)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.Equals(text.Trim(), Mixed, StringComparison.OrdinalIgnoreCase))
            return QuantizationRecipe.MixedBits;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits) && bits != QuantizationRecipe.MixedBits)
            return bits;
        throw new RecipeException(option, $"{option} '{text}': expected a bit width ({range}) or '{Mixed}'.");
    }

    private static T Parse<T>((string Name, T Value)[] table, string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (name, value) in table)
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
                return value;
        throw new RecipeException(option, $"{option} '{text}': expected one of {string.Join("|", table.Select(e => e.Name))}.");
    }

    private static string Format<T>((string Name, T Value)[] table, T value) where T : struct, Enum
    {
        foreach (var (name, v) in table)
            if (EqualityComparer<T>.Default.Equals(v, value))
                return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"No name for {typeof(T).Name}.{value}.");
    }
}
