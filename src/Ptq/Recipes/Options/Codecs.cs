using System.Globalization;
using System.Text;
using Ptq.Calibration;
using Ptq.Data;
using Ptq.Quantization;

namespace Ptq.Recipes;

/// <summary>The value codecs the option table is built from, and the spellings of every enumeration a recipe names.</summary>
internal static class Codecs
{
    /// <summary>The word for mixed bit widths in <c>N|mixed</c>.</summary>
    public const string Mixed = "mixed";

    /// <summary>The word that turns the accuracy guard off in <c>C|off</c>.</summary>
    public const string Off = "off";

    /// <summary>The word for SmoothQuant's per-activation α search in <c>ALPHA|auto</c>.</summary>
    public const string Auto = "auto";

    public static readonly ValueCodec<bool> Bool = new BoolCodec();
    public static readonly ValueCodec<int> Int = new IntCodec();
    public static readonly ValueCodec<long> Long = new LongCodec();
    public static readonly ValueCodec<double> Double = new DoubleCodec();
    public static readonly ValueCodec<float> Float = new FloatCodec();
    public static readonly ValueCodec<string?> Text = new TextCodec();
    public static readonly ValueCodec<IReadOnlyList<string>> Texts = new TextListCodec();
    public static readonly ValueCodec<IReadOnlyList<float>?> Floats = new FloatListCodec();
    public static readonly ValueCodec<ImageSize> Size = new SizeCodec();
    public static readonly ValueCodec<int> WeightBits = new BitsCodec("1 to 16");
    public static readonly ValueCodec<int> ActBits = new BitsCodec("2 to 16");
    public static readonly ValueCodec<double> AccuracyGuard = new NumberOrWordCodec("C", Off, QuantizationRecipe.AccuracyGuardOff, "an output cosine in (0, 1], e.g. 0.995");
    public static readonly ValueCodec<double> SmoothQuantAlpha = new NumberOrWordCodec("ALPHA", Auto, QuantizationRecipe.SmoothQuantAuto, "a migration strength in [0, 1], e.g. 0.5");

    public static readonly EnumCodec<QuantizationMode> Modes = new(
        ("full", QuantizationMode.Full, true), ("weight-only", QuantizationMode.WeightOnly, true),
        ("dynamic", QuantizationMode.Dynamic, true), ("fp16", QuantizationMode.Fp16, true));

    public static readonly EnumCodec<QuantMode> QuantModes = new(
        ("sym", QuantMode.Symmetric, true), ("asym_u", QuantMode.AsymmetricUnsigned, true), ("asym_s", QuantMode.AsymmetricSigned, true));

    public static readonly EnumCodec<Granularity> Granularities = new(
        ("per-channel", Granularity.PerChannel, true), ("per-tensor", Granularity.PerTensor, true), ("mix", Granularity.Mix, true));

    public static readonly EnumCodec<CalibrationMethod> Methods = new(
        ("minmax", CalibrationMethod.MinMax, true), ("avg", CalibrationMethod.Avg, true), ("ema", CalibrationMethod.Ema, true),
        ("percentile", CalibrationMethod.Percentile, true), ("kl", CalibrationMethod.Kl, true), ("mse", CalibrationMethod.Mse, true),
        ("aciq-gauss", CalibrationMethod.AciqGauss, true), ("aciq-laplace", CalibrationMethod.AciqLaplace, true), ("nstd", CalibrationMethod.NStd, true),
        ("lapq", CalibrationMethod.Lapq, true));

    public static readonly EnumCodec<OutputFormat> Formats = new(("qdq", OutputFormat.Qdq, true), ("qoperator", OutputFormat.QOperator, true));

    public static readonly EnumCodec<WeightMethod> WeightMethods = new(
        ("minmax", WeightMethod.MinMax, true), ("mse", WeightMethod.Mse, true), ("admm", WeightMethod.Admm, true), ("gptq", WeightMethod.Gptq, true),
        ("adaround", WeightMethod.AdaRound, true), ("hqq", WeightMethod.Hqq, true), ("awq", WeightMethod.Awq, true));

    public static readonly EnumCodec<ResizeMethod> ResizeMethods = new(
        ("linear", ResizeMethod.Linear, true), ("nearest", ResizeMethod.Nearest, true), ("cubic", ResizeMethod.Cubic, true));

    public static readonly EnumCodec<ColorMode> Colors = new(("RGB", ColorMode.Rgb, true), ("BGR", ColorMode.Bgr, true), ("GRAY", ColorMode.Gray, true));

    public static readonly EnumCodec<TensorLayout> Layouts = new(("NCHW", TensorLayout.Nchw, true), ("NHWC", TensorLayout.Nhwc, true));

    /// <summary>The same codec with unset (null) accepted.</summary>
    public static ValueCodec<T?> OrNull<T>(this ValueCodec<T> codec) where T : struct => new NullableCodec<T>(codec);

    /// <summary><c>mixed</c> for <see cref="QuantizationRecipe.MixedBits"/>, else the number.</summary>
    public static string BitsName(int bits) => bits == QuantizationRecipe.MixedBits ? Mixed : bits.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>off</c> for <see cref="QuantizationRecipe.AccuracyGuardOff"/>, else the number.</summary>
    public static string GuardName(double guard) => guard == QuantizationRecipe.AccuracyGuardOff ? Off : Number(guard);

    /// <summary>A double in invariant culture with round-trip precision.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A YAML double-quoted scalar: backslash and quote escaped, control characters as \uXXXX.</summary>
    public static string Quote(string text)
    {
        var q = new StringBuilder("\"");
        foreach (char ch in text)
        {
            if (ch is '"' or '\\') q.Append('\\').Append(ch);
            else if (char.IsControl(ch)) q.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
            else q.Append(ch);
        }
        return q.Append('"').ToString();
    }

    private sealed class BoolCodec : ScalarCodec<bool>
    {
        public override OptionShape Shape => OptionShape.Switch;

        public override string Format(bool value) => value ? "true" : "false";

        protected override bool ParseText(string text, RecipeOption option) =>
            bool.TryParse(text, out bool value) ? value : throw new RecipeException(option, $"{option}: '{text}' is not true or false.");
    }

    private sealed class IntCodec : ScalarCodec<int>
    {
        public override string Placeholder => "N";

        public override string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

        protected override int ParseText(string text, RecipeOption option) =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
                : throw new RecipeException(option, $"{option}: '{text}' is not an integer.");
    }

    private sealed class LongCodec : ScalarCodec<long>
    {
        public override string Placeholder => "N";

        public override string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

        protected override long ParseText(string text, RecipeOption option) =>
            long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value
                : throw new RecipeException(option, $"{option}: '{text}' is not an integer.");
    }

    private sealed class DoubleCodec : ScalarCodec<double>
    {
        public override string Format(double value) => Number(value);

        protected override double ParseText(string text, RecipeOption option) => ParseFinite(text, option);
    }

    private sealed class FloatCodec : ScalarCodec<float>
    {
        public override string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

        protected override float ParseText(string text, RecipeOption option) => (float)ParseFinite(text, option);
    }

    private static double ParseFinite(string text, RecipeOption option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) ? value
            : throw new RecipeException(option, $"{option}: '{text}' is not a finite number.");

    private sealed class TextCodec : ScalarCodec<string?>
    {
        public override bool AcceptsNull => true;

        public override string? Format(string? value) => value is null ? null : Quote(value);

        protected override string? ParseText(string text, RecipeOption option) => text;
    }

    private sealed class TextListCodec : ValueCodec<IReadOnlyList<string>>
    {
        public override OptionShape Shape => OptionShape.List;

        public override bool AcceptsNull => true;

        public override IReadOnlyList<string> Parse(IReadOnlyList<string> texts, RecipeOption option) => [.. texts];

        public override string Format(IReadOnlyList<string> value) => "[" + string.Join(", ", value.Select(Quote)) + "]";
    }

    private sealed class FloatListCodec : ScalarCodec<IReadOnlyList<float>?>
    {
        public override bool JoinsSequence => true;

        public override string? Format(IReadOnlyList<float>? value) =>
            value is null ? null : "[" + string.Join(", ", value.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

        protected override IReadOnlyList<float>? ParseText(string text, RecipeOption option) => OptionText.ParseFloats(text, option);
    }

    private sealed class SizeCodec : ScalarCodec<ImageSize>
    {
        public override bool JoinsSequence => true;

        public override string Format(ImageSize value) => Quote(value.ToString());

        protected override ImageSize ParseText(string text, RecipeOption option) => ImageSize.Parse(text, option);
    }

    private sealed class BitsCodec(string range) : ScalarCodec<int>
    {
        public override string Placeholder => $"N|{Mixed}";

        public override string Format(int value) => BitsName(value);

        protected override int ParseText(string text, RecipeOption option)
        {
            if (string.Equals(text.Trim(), Mixed, StringComparison.OrdinalIgnoreCase))
                return QuantizationRecipe.MixedBits;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits) && bits != QuantizationRecipe.MixedBits)
                return bits;
            throw new RecipeException(option, $"{option} '{text}': expected a bit width ({range}) or '{Mixed}'.");
        }
    }

    /// <summary>A number, or <paramref name="word"/> standing for the value <paramref name="sentinel"/> (which no number may take).</summary>
    private sealed class NumberOrWordCodec(string symbol, string word, double sentinel, string expected) : ScalarCodec<double>
    {
        public override string Placeholder => $"{symbol}|{word}";

        public override string Format(double value) => value == sentinel ? word : Number(value);

        protected override double ParseText(string text, RecipeOption option)
        {
            if (string.Equals(text.Trim(), word, StringComparison.OrdinalIgnoreCase))
                return sentinel;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value != sentinel)
                return value;
            throw new RecipeException(option, $"{option} '{text}': expected {expected}, or '{word}'.");
        }
    }
}
