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
/// computes), so their SQNR (<paramref name="SqnrDb"/>, accumulated) falls along the network; <paramref name="LocalSqnrDb"/>
/// is the error the tensor's own quantization adds to its float values, which says where error starts. Weights and
/// biases carry only their own rounding error, so for them the two are equal.
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
/// <param name="Clip">Fraction (0–1) of float values outside the quantization range of their channel, i.e. saturated by QuantizeLinear (see <see cref="ClipCounter"/>).</param>
/// <param name="Cosine">Cosine similarity of all float values against all dequantized values, over all samples as one vector.</param>
/// <param name="SqnrDb">SQNR in dB from energies summed over all samples: <c>10 · log10(Σ r² / Σ (r − x)²)</c>; +∞ when identical.</param>
/// <param name="RangeMin">Lower end of the quantization range (the smallest over channels when per-channel).</param>
/// <param name="RangeMax">Upper end of the quantization range (the largest over channels when per-channel).</param>
/// <param name="Channels">Quantization channels (1 when per-tensor).</param>
/// <param name="Histogram">Activations: histogram of the float values; null for weights and biases.</param>
/// <param name="ChannelRanges">Weights: float min/max and quantization range per output channel (along the quantization
/// axis, else axis 0). Per-tensor activations: float min/max per channel on axis 1 (the last axis of [N, T, C] sequence
/// activations) over all samples, with the tensor's range (see <see cref="ChannelExtents"/>). Null otherwise.</param>
/// <param name="LocalSqnrDb">SQNR in dB of the float values against their own quantization alone (as if every earlier
/// layer were float; <see cref="OwnQuantizationError"/>); weights and biases: <paramref name="SqnrDb"/>.</param>
/// <param name="ClipErrorShare">Share (0–1) of the local error energy that saturated values cause.</param>
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
    IReadOnlyList<ChannelRange>? ChannelRanges,
    double LocalSqnrDb,
    double ClipErrorShare);

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

/// <summary>One row of the sensitivity ranking (worst local SQNR first).</summary>
/// <param name="Rank">1 for the tensor whose own quantization adds the most error.</param>
/// <param name="NodeName">See <see cref="TensorDebugRecord.NodeName"/>.</param>
/// <param name="NodeType">That node's op type.</param>
/// <param name="TensorName">The float tensor.</param>
/// <param name="Role">Activation, weight or bias.</param>
/// <param name="LocalSqnrDb">SQNR in dB of the tensor's own quantization on its float values (<see cref="TensorDebugRecord.LocalSqnrDb"/>).</param>
/// <param name="SqnrDb">SQNR in dB of the tensor as the quantized model computes it (accumulated over every earlier layer).</param>
/// <param name="Cosine">Cosine similarity, accumulated.</param>
/// <param name="Clip">Fraction (0–1) of float values clipped.</param>
public sealed record LayerError(int Rank, string NodeName, string NodeType, string TensorName, TensorRole Role, double LocalSqnrDb, double SqnrDb, double Cosine, double Clip);

/// <summary>
/// Why one of the worst tensors loses precision, in words from the measured data, and what would address it.
/// </summary>
/// <param name="TensorName">The float tensor (a <see cref="LayerError.TensorName"/>).</param>
/// <param name="Cause">The cause this finding names.</param>
/// <param name="Finding">What the data shows, with the figures (e.g. "0.8 % of values above 24.1 are saturated …").</param>
/// <param name="Fix">The flag or recipe override that addresses it, as the user would write it.</param>
public sealed record LayerDiagnosis(string TensorName, DiagnosisCause Cause, string Finding, string Fix);

/// <summary>The causes <see cref="LayerDiagnostics"/> tells apart.</summary>
public enum DiagnosisCause
{
    /// <summary>Many values beyond the range: calibration saw smaller values than these samples have.</summary>
    RangeTooNarrow,

    /// <summary>A few large values are saturated and carry most of the tensor's error.</summary>
    OutliersClipped,

    /// <summary>One range shared by channels of very different scale: most channels use few of the codes.</summary>
    ChannelSpread,

    /// <summary>The range is shared with a Concat whose other inputs need more of it.</summary>
    SharedConcatRange,

    /// <summary>The values fill only part of the range calibration chose.</summary>
    RangeUnused,

    /// <summary>The values fill the range; the error is the rounding of that many bits.</summary>
    Rounding,
}

/// <summary>The result of <see cref="Debugger.Run"/>.</summary>
/// <param name="Samples">Samples run through both models.</param>
/// <param name="Tensors">Every quantized tensor the debugger could relate to the fp32 model, in quantized-graph order.</param>
/// <param name="Layers">Activations and weights ranked by local SQNR, worst first (NaN last); see <see cref="Debugger.Rank"/>.</param>
/// <param name="OutputName">The model output compared.</param>
/// <param name="Output">The quantized model's final output against the fp32 model's (cosine, SQNR, argmax agreement).</param>
/// <param name="FloatModelBytes">Serialized size of the fp32 model as given (for models over 2 GiB: the bytes of its tensors).</param>
/// <param name="QuantizedModelBytes">The same for the quantized model.</param>
/// <param name="Notes">Tensors left out and why, and other things the reader should know.</param>
/// <param name="Diagnoses">For the worst <see cref="DebugOptions.Diagnosed"/> layers of <paramref name="Layers"/>: the cause and its fix.</param>
/// <param name="NodeOrigins">Nodes of the report that Ptq added or replaced while preparing the model (not in the user's
/// fp32 model), with what they are and which of the user's nodes they belong to (<see cref="PreparedNodeOrigins"/>).</param>
public sealed record DebugReport(
    int Samples,
    IReadOnlyList<TensorDebugRecord> Tensors,
    IReadOnlyList<LayerError> Layers,
    string OutputName,
    ComparisonSummary Output,
    long FloatModelBytes,
    long QuantizedModelBytes,
    IReadOnlyList<string> Notes,
    IReadOnlyList<LayerDiagnosis> Diagnoses,
    IReadOnlyDictionary<string, string> NodeOrigins);
