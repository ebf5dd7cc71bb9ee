using System.Runtime.InteropServices;
using Ptq.Runtime;

namespace Ptq.Data;

/// <summary>
/// Turns data-source tensors into <see cref="TensorValue"/> feeds for <see cref="OrtRunner.Run"/>. Named apart from
/// "SampleFeeds" because the tests already have a random-feed helper of that name.
/// </summary>
internal static class TensorFeeds
{
    /// <summary>
    /// The tensor as a runtime value: same shape, ONNX type from <see cref="ModelInputs.OnnxDataType"/>, contents copied as
    /// little-endian bytes (bool as one byte 0/1, as ONNX stores it).
    /// </summary>
    public static TensorValue ToTensorValue(this InputTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long[] shape = [.. tensor.Dims.Select(d => (long)d)];
        return new TensorValue(tensor.ElementType.OnnxDataType(), shape, RawBytes(tensor.Data));
    }

    /// <summary>One feed per input of <paramref name="sample"/>, keyed by input name.</summary>
    public static Dictionary<string, TensorValue> ToFeeds(this CalibrationSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var feeds = new Dictionary<string, TensorValue>(sample.Inputs.Count, StringComparer.Ordinal);
        foreach (var (name, tensor) in sample.Inputs) feeds[name] = tensor.ToTensorValue();
        return feeds;
    }

    /// <summary>
    /// Concatenates the samples along axis 0 per input (a batch of <c>Σ dims[0]</c>), for models with a dynamic batch dimension.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// When <paramref name="samples"/> is empty, the samples feed different inputs, or an input's element type, rank or
    /// non-leading dimensions differ between samples (the message names the input and both shapes).
    /// </exception>
    public static Dictionary<string, TensorValue> Concatenate(IReadOnlyList<CalibrationSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("No samples to concatenate.", nameof(samples));
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var (name, first) in samples[0].Inputs)
        {
            long batch = 0;
            using var bytes = new MemoryStream();
            foreach (CalibrationSample s in samples)
            {
                if (!s.Inputs.TryGetValue(name, out InputTensor? t))
                    throw new ArgumentException($"Sample '{s.SourceName}' has no tensor for input '{name}'.", nameof(samples));
                if (t.ElementType != first.ElementType || t.Dims.Count != first.Dims.Count || t.Dims.Count == 0 || !t.Dims.Skip(1).SequenceEqual(first.Dims.Skip(1)))
                    throw new ArgumentException($"Input '{name}': cannot concatenate {t} ('{s.SourceName}') with {first} along axis 0.", nameof(samples));
                batch += t.Dims[0];
                bytes.Write(RawBytes(t.Data));
            }
            long[] shape = [batch, .. first.Dims.Skip(1).Select(d => (long)d)];
            feeds[name] = new TensorValue(first.ElementType.OnnxDataType(), shape, bytes.ToArray());
        }
        return feeds;
    }

    private static byte[] RawBytes(Array data) => data switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        Half[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        byte[] a => (byte[])a.Clone(),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
        _ => throw new ArgumentException($"Unsupported tensor array {data.GetType().Name}.", nameof(data)),
    };
}
