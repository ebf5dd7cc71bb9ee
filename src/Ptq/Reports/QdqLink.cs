namespace Ptq.Reports;

/// <summary>What a DequantizeLinear in a QDQ graph dequantizes.</summary>
internal enum QdqLinkKind
{
    /// <summary>A runtime value: the DequantizeLinear reads a QuantizeLinear of a float tensor.</summary>
    Activation,

    /// <summary>A constant integer initializer of 4–16 bits (weights, quantized constants).</summary>
    Weight,

    /// <summary>A constant int32 initializer (biases, scale = input scale × weight scale).</summary>
    Bias,
}

/// <summary>One input slot that reads a dequantized value: node <paramref name="NodeName"/> reads it at <paramref name="InputIndex"/>.</summary>
/// <param name="NodeName">The consumer's name (its <see cref="Graph.Node.DisplayName"/> when unnamed).</param>
/// <param name="NodeType">The consumer's op type.</param>
/// <param name="InputIndex">Position of the dequantized value among the consumer's inputs.</param>
internal sealed record QdqConsumer(string NodeName, string NodeType, int InputIndex);

/// <summary>
/// One DequantizeLinear of a quantized model and what it stands for, found from the graph structure alone
/// (see <see cref="QdqGraphMap.Analyse"/>).
/// </summary>
/// <param name="Kind">Activation, weight or bias.</param>
/// <param name="DequantizedTensor">The DequantizeLinear's output: the float value the rest of the graph reads.</param>
/// <param name="FloatTensor">For activations, the float tensor fed to the QuantizeLinear; null for constants.</param>
/// <param name="QuantizedInitializer">For constants, the integer initializer read by the DequantizeLinear; null for activations.</param>
/// <param name="Dims">Dimensions of the integer initializer (constants); empty for activations.</param>
/// <param name="Scales">Scale per channel (one value when per-tensor).</param>
/// <param name="ZeroPoints">Zero point per channel (one value when per-tensor).</param>
/// <param name="Axis">Channel axis for per-channel parameters (normalised to be non-negative when the rank is known), else null.</param>
/// <param name="QMin">Smallest code: of the integer type, or of the activation's code clamp.</param>
/// <param name="QMax">Largest code: of the integer type, or of the activation's code clamp.</param>
internal sealed record QdqLink(
    QdqLinkKind Kind,
    string DequantizedTensor,
    string? FloatTensor,
    string? QuantizedInitializer,
    long[] Dims,
    float[] Scales,
    long[] ZeroPoints,
    int? Axis,
    long QMin,
    long QMax)
{
    /// <summary>Nodes reading <see cref="DequantizedTensor"/>.</summary>
    public IReadOnlyList<QdqConsumer> Consumers { get; init; } = [];

    /// <summary>Number of channels the parameters cover (1 when per-tensor).</summary>
    public int Channels => Scales.Length;

    /// <summary>
    /// The float interval channel <paramref name="channel"/> can represent:
    /// <c>[scale · (qmin − zero_point), scale · (qmax − zero_point)]</c>, computed in float as the runtime does. Values
    /// outside it are clipped by QuantizeLinear.
    /// </summary>
    public FloatRange RangeOf(int channel) => ClipCounter.Bounds(this, channel);
}
