namespace Ptq.Quantization.Reconstruction;

/// <summary>
/// The integer grid of each row of a weight matrix (rows are output channels): a weight w of row r gets the code
/// <c>clamp(round_half_even(w / Scales[r]) + ZeroPoints[r], QMin, QMax)</c> and stands for <c>(code − ZeroPoints[r]) · Scales[r]</c>,
/// as ONNX QuantizeLinear/DequantizeLinear compute them. Reconstruction chooses codes on this grid; it never moves it.
/// </summary>
/// <param name="Scales">Scale of each row.</param>
/// <param name="ZeroPoints">Zero point of each row.</param>
/// <param name="QMin">Smallest code.</param>
/// <param name="QMax">Largest code.</param>
internal sealed record RowGrid(float[] Scales, int[] ZeroPoints, int QMin, int QMax)
{
    /// <summary>Rows of the grid.</summary>
    public int Rows => Scales.Length;

    /// <summary>The nearest code to <paramref name="weight"/> in row <paramref name="row"/>.</summary>
    public int Code(float weight, int row) =>
        (int)Math.Clamp(MathF.Round(weight / Scales[row], MidpointRounding.ToEven) + ZeroPoints[row], QMin, QMax);

    /// <summary>The value code <paramref name="code"/> stands for in row <paramref name="row"/>.</summary>
    public float Value(int code, int row) => (code - ZeroPoints[row]) * Scales[row];

    /// <summary>Round-to-nearest codes of a rows × columns matrix.</summary>
    public int[] Nearest(float[] weights, int columns)
    {
        var codes = new int[weights.Length];
        for (int i = 0; i < weights.Length; i++)
            codes[i] = Code(weights[i], i / columns);
        return codes;
    }

    /// <summary>The values of a rows × columns matrix of codes.</summary>
    public float[] Values(int[] codes, int columns)
    {
        var values = new float[codes.Length];
        for (int i = 0; i < codes.Length; i++)
            values[i] = Value(codes[i], i / columns);
        return values;
    }
}
