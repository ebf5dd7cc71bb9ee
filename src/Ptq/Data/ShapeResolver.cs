namespace Ptq.Data;

/// <summary>Reconciles model input shapes (possibly dynamic) with user overrides and with shapes found in files.</summary>
internal static class ShapeResolver
{
    /// <summary>
    /// The concrete shape of one sample of <paramref name="input"/> for formats that carry no shape (.bin, .txt):
    /// the user's override if given, else the model's shape with a dynamic leading dimension set to 1.
    /// </summary>
    /// <exception cref="DataSourceException">When an override has the wrong rank or contradicts a static dimension, or a non-leading dimension is dynamic without an override.</exception>
    public static int[] Resolve(ModelInputInfo input, IReadOnlyDictionary<string, long[]>? shapes)
    {
        if (shapes is not null && shapes.TryGetValue(input.Name, out long[]? given))
        {
            if (given.Length != input.Rank || given.Any(d => d <= 0 || d > int.MaxValue))
                throw new DataSourceException($"Shape override [{string.Join(",", given)}] for input '{input.Name}' must have {input.Rank} positive dimensions to fit {input.ShapeText}.");
            var dims = given.Select(d => (int)d).ToArray();
            if (!Matches(input, dims))
                throw new DataSourceException($"Shape override [{string.Join(",", given)}] for input '{input.Name}' contradicts the model shape {input.ShapeText}.");
            return dims;
        }
        var result = new int[input.Rank];
        for (int i = 0; i < input.Rank; i++)
        {
            if (!input.IsDynamic(i)) result[i] = checked((int)input.Shape[i]!.Value);
            else if (i == 0) result[i] = 1;
            else
                throw new DataSourceException($"Input '{input.Name}' has dynamic shape {input.ShapeText}; raw .bin/.txt files carry no shape, so give the full shape of input '{input.Name}' (DataSourceOptions.Shapes).");
        }
        return result;
    }

    /// <summary>True when <paramref name="dims"/> has the input's rank and equals every static dimension.</summary>
    public static bool Matches(ModelInputInfo input, IReadOnlyList<int> dims)
    {
        if (dims.Count != input.Rank) return false;
        for (int i = 0; i < dims.Count; i++)
            if (!input.IsDynamic(i) && input.Shape[i]!.Value != dims[i]) return false;
        return true;
    }

    /// <exception cref="DataSourceException">When <paramref name="dims"/> does not fit the model input; names the file and both shapes.</exception>
    public static void EnsureMatches(ModelInputInfo input, IReadOnlyList<int> dims, string path, string hint = "")
    {
        if (!Matches(input, dims))
            throw new DataSourceException($"'{path}' gives shape [{string.Join(",", dims)}] but input '{input.Name}' expects {input.ShapeText}.{hint}");
    }

    public static long Product(IReadOnlyList<int> dims)
    {
        // Saturates instead of wrapping: four int32 dims from a file header can pass long's range.
        long n = 1;
        foreach (int d in dims)
        {
            if (d > 0 && n > long.MaxValue / d)
                return long.MaxValue;
            n *= d;
        }
        return n;
    }
}
