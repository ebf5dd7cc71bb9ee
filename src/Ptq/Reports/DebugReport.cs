using Ptq.Evaluation;

namespace Ptq.Reports;

/// <summary>What a quantized tensor is in the debug report.</summary>
public enum TensorRole
{
    /// <summary>A runtime value (QuantizeLinear → DequantizeLinear).</summary>
    Activation,

    /// <summary>A weight (or quantized constant) stored as 4–16-bit codes.</summary>
    Weight,

    /// <summary>A bias stored as int32 codes.</summary>
    Bias,
}

/// <summary>
/// One quantized tensor: its float values (from the fp32 model) against its dequantized twin (from the quantized model).
/// Activations of the quantized model carry the error of every earlier layer too (they are what the quantized model
/// computes), so their SQNR falls along the network; weights and biases carry only their own rounding error.
/// </summary>
/// <param name="NodeName">Activations: the node of the fp32 model that writes the tensor (its first reader for a graph
/// input). Weights and biases: the node that reads them.</param>
/// <param name="NodeType">That node's op type.</param>
/// <param name="TensorName">The float tensor's name in the fp32 model.</param>
/// <param name="IsNodeInput">True when the tensor is an input of <paramref name="NodeName"/> (weights, biases, graph
/// inputs), false when it is the node's output.</param>
/// <param name="Role">Activation, weight or bias.</param>
/// <param name="Origin">Distribution of the float values.</param>
/// <param name="Dequant">Distribution of the dequantized values.</param>
/// <param name="Clip">Fraction of float values outside the quantization range of their channel, i.e. saturated by QuantizeLinear (see <see cref="ClipCounter"/>).</param>
/// <param name="Cosine">Cosine similarity of all float values against all dequantized values, over all samples as one vector.</param>
/// <param name="SqnrDb">SQNR in dB from energies summed over all samples: <c>10 · log10(Σ r² / Σ (r − x)²)</c>; +∞ when identical.</param>
/// <param name="RangeMin">Lower end of the quantization range (the smallest over channels when per-channel).</param>
/// <param name="RangeMax">Upper end of the quantization range (the largest over channels when per-channel).</param>
/// <param name="Channels">Quantization channels (1 when per-tensor).</param>
/// <param name="Histogram">Activations: histogram of the float values; null for weights and biases.</param>
/// <param name="ChannelRanges">Weights: float min/max and quantization range per output channel (along the quantization
/// axis, else axis 0); null for activations.</param>
public sealed record TensorDebugRecord(
    string NodeName,
    string NodeType,
    string TensorName,
    bool IsNodeInput,
    TensorRole Role,
    TensorSummary Origin,
    TensorSummary Dequant,
    double Clip,
    double Cosine,
    double SqnrDb,
    float RangeMin,
    float RangeMax,
    int Channels,
    ValueHistogram? Histogram,
    IReadOnlyList<ChannelRange>? ChannelRanges);

/// <summary>Float range of one output channel of a weight and the range its quantization parameters can represent.</summary>
/// <param name="Min">Smallest float weight of the channel.</param>
/// <param name="Max">Largest float weight of the channel.</param>
/// <param name="QuantMin">Lower end of the channel's quantization range.</param>
/// <param name="QuantMax">Upper end of the channel's quantization range.</param>
public sealed record ChannelRange(float Min, float Max, float QuantMin, float QuantMax);

/// <summary>
/// A histogram with <c>Counts.Length</c> equal bins starting at <paramref name="Start"/>. Built from the tensor's
/// reservoir sample (see <see cref="DebugOptions.ReservoirCapacity"/>), so counts are of sampled values when
/// <paramref name="FromSample"/> is true.
/// </summary>
/// <param name="Start">Left edge of the first bin.</param>
/// <param name="BinWidth">Width of every bin.</param>
/// <param name="Counts">Values per bin.</param>
/// <param name="FromSample">True when the counts are of a sample of the values rather than all of them.</param>
public sealed record ValueHistogram(double Start, double BinWidth, long[] Counts, bool FromSample);

/// <summary>One row of the sensitivity ranking (worst SQNR first).</summary>
/// <param name="Rank">1 for the worst tensor.</param>
/// <param name="NodeName">See <see cref="TensorDebugRecord.NodeName"/>.</param>
/// <param name="NodeType">That node's op type.</param>
/// <param name="TensorName">The float tensor.</param>
/// <param name="Role">Activation, weight or bias.</param>
/// <param name="SqnrDb">SQNR in dB.</param>
/// <param name="Cosine">Cosine similarity.</param>
/// <param name="Clip">Fraction of float values clipped.</param>
public sealed record LayerError(int Rank, string NodeName, string NodeType, string TensorName, TensorRole Role, double SqnrDb, double Cosine, double Clip);

/// <summary>The result of <see cref="QuantizationDebugger.Run"/>.</summary>
/// <param name="Samples">Samples run through both models.</param>
/// <param name="Tensors">Every quantized tensor the debugger could relate to the fp32 model, in quantized-graph order.</param>
/// <param name="Layers">Activations and weights ranked by SQNR, worst first (NaN last); see <see cref="QuantizationDebugger.Rank"/>.</param>
/// <param name="OutputName">The model output compared.</param>
/// <param name="Output">The quantized model's final output against the fp32 model's (cosine, SQNR, argmax agreement).</param>
/// <param name="FloatModelBytes">Serialized size of the fp32 model as given (for models over 2 GiB: the bytes of its tensors).</param>
/// <param name="QuantizedModelBytes">The same for the quantized model.</param>
/// <param name="Notes">Tensors left out and why, and other things the reader should know.</param>
public sealed record DebugReport(
    int Samples,
    IReadOnlyList<TensorDebugRecord> Tensors,
    IReadOnlyList<LayerError> Layers,
    string OutputName,
    ComparisonSummary Output,
    long FloatModelBytes,
    long QuantizedModelBytes,
    IReadOnlyList<string> Notes);
