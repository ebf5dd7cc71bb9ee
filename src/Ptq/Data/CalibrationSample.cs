namespace Ptq.Data;

/// <summary>One calibration sample: a dense tensor for every model input, keyed by input name.</summary>
/// <param name="Inputs">Tensors keyed by <see cref="InputTensor.Name"/> (ordinal comparison).</param>
/// <param name="SourceName">Relative path(s) of the file(s) the sample came from, for messages and reports.</param>
public sealed record CalibrationSample(IReadOnlyDictionary<string, InputTensor> Inputs, string SourceName)
{
    /// <summary>The tensor for input <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">When the sample has no such input.</exception>
    public InputTensor this[string name] => Inputs[name];
}
