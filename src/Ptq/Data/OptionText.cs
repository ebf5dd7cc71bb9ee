using System.Globalization;

namespace Ptq.Data;

/// <summary>Parsers for the comma-separated values of the preprocessing options and their enum names.</summary>
internal static class OptionText
{
    /// <summary>Parses <c>"a,b,c"</c> as invariant-culture floats.</summary>
    /// <exception cref="PreprocessingOptionException">When an item is not a finite number; the message names the option.</exception>
    public static float[] ParseFloats(string text, string optionName) =>
        ParseFloats(text, (part, all) => new PreprocessingOptionException(optionName, FloatsMessage(optionName, part, all).ToString(CultureInfo.InvariantCulture)));

    /// <summary>Parses <c>"a,b,c"</c> for <paramref name="option"/>; the message names it in the caller's spelling.</summary>
    internal static float[] ParseFloats(string text, ISetting option) =>
        ParseFloats(text, (part, all) => new PreprocessingOptionException(option, FloatsMessage(option, part, all)));

    /// <summary>Parses <c>"a,b"</c> as invariant-culture integers.</summary>
    /// <exception cref="PreprocessingOptionException">When an item is not an integer; the message names the option.</exception>
    public static int[] ParseInts(string text, string optionName) =>
        ParseInts(text, (part, all) => new PreprocessingOptionException(optionName, $"{optionName}: '{part}' in '{all}' is not an integer."));

    /// <summary>Parses <c>"a,b"</c> for <paramref name="option"/>; the message names it in the caller's spelling.</summary>
    internal static int[] ParseInts(string text, ISetting option) =>
        ParseInts(text, (part, all) => new PreprocessingOptionException(option, $"{option}: '{part}' in '{all}' is not an integer."));

    /// <summary>Parses a case-insensitive enum name, e.g. <c>linear</c>, <c>BGR</c>, <c>nhwc</c>.</summary>
    /// <exception cref="PreprocessingOptionException">For an unknown name; the message lists the valid ones.</exception>
    public static T ParseEnum<T>(string text, string optionName) where T : struct, Enum
    {
        if (Enum.TryParse(text, ignoreCase: true, out T value) && Enum.IsDefined(value) && !int.TryParse(text, out _))
            return value;
        throw new PreprocessingOptionException(optionName,
            $"{optionName}: '{text}' is not one of {string.Join("|", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }

    private static FormattableString FloatsMessage(object option, string part, string text) =>
        $"{option}: '{part}' in '{text}' is not a number; expected comma-separated numbers like 104,117,123.";

    private static float[] ParseFloats(string text, Func<string, string, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                throw fail(parts[i], text);
        }
        return values;
    }

    private static int[] ParseInts(string text, Func<string, string, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
                throw fail(parts[i], text);
        }
        return values;
    }
}
