using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>
/// Activation rows for <see cref="Passes.SmoothQuantAlphaSearch"/>: the float model's values of each activation on a few
/// calibration samples, flattened to rows of its last axis (the channels MatMul/Gemm reduce), at most
/// <see cref="MaxRows"/> per activation taken evenly from every sample.
/// </summary>
internal static class SmoothingRows
{
    /// <summary>Rows kept per activation over all samples.</summary>
    public const int MaxRows = 2048;

    /// <summary>Calibration samples the rows come from.</summary>
    public const int Samples = 16;

    /// <summary>Rows of each of <paramref name="activations"/> in <paramref name="model"/> on <paramref name="samples"/>.</summary>
    public static Dictionary<string, Passes.ActivationRows> Collect(OnnxModel model, IReadOnlyList<string> activations,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, CancellationToken cancellationToken)
    {
        var rows = activations.ToDictionary(a => a, _ => new List<float>(), StringComparer.Ordinal);
        var counts = activations.ToDictionary(a => a, _ => new List<int>(), StringComparer.Ordinal);
        if (activations.Count == 0 || samples.Count == 0)
            return [];
        int perSample = Math.Max(1, MaxRows / samples.Count);
        using var runner = OrtRunner.WithOutputs(model, activations);
        foreach (var sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outputs = runner.Run(sample, [.. activations]);
            foreach (string activation in activations)
            {
                var value = outputs[activation];
                int channels = (int)value.Shape[^1];
                float[] values = value.ToFloats();
                int count = values.Length / channels;
                int take = Math.Min(perSample, count);
                counts[activation].Add(take);
                for (int k = 0; k < take; k++)
                {
                    int row = (int)((long)k * count / take);
                    rows[activation].AddRange(values.AsSpan(row * channels, channels));
                }
            }
        }
        return rows.ToDictionary(p => p.Key, p => new Passes.ActivationRows([.. p.Value], [.. counts[p.Key]]), StringComparer.Ordinal);
    }
}
