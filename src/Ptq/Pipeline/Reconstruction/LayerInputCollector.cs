using Ptq.Onnx;
using Ptq.Runtime;

using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>
/// Gathers the inputs of one stage of layers (layers that do not feed each other) on calibration samples: ONNX Runtime
/// runs the current quantized model (already reconstructed layers included) and the float model, each cut down to what
/// the stage's inputs need, and every sample's patches at the same positions of both flow into
/// <see cref="LayerStatistics"/>. Memory is bounded by the statistics and one sample's activations, whatever the
/// number of samples; at most <see cref="MaxPositionsPerSample"/> positions of each input are used (a seeded, jittered
/// even spread), which bounds the time on large feature maps.
/// </summary>
internal static class LayerInputCollector
{
    /// <summary>Output positions (patches) taken from one sample's input to a layer.</summary>
    public const int MaxPositionsPerSample = 2048;

    private const int ChunkRows = 256;

    /// <summary>
    /// Statistics of each group of each layer in <paramref name="layers"/> over <paramref name="samples"/>, with the
    /// float inputs' Gram matrix when <paramref name="floatGram"/>.
    /// </summary>
    public static Dictionary<ReconstructionLayer, LayerStatistics[]> Collect(OnnxModel quantized, OnnxModel reference,
        IReadOnlyList<ReconstructionLayer> layers, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, CancellationToken cancellationToken,
        bool floatGram = false)
    {
        var quantizedNames = layers.Select(l => l.Input).Distinct(StringComparer.Ordinal).ToList();
        var floatNames = layers.Select(l => l.FloatInput).Distinct(StringComparer.Ordinal).ToList();
        var options = new RunnerOptions { IntraOpSpinning = false };
        using var quantizedRunner = RunnerFor(quantized, quantizedNames, options);
        using var floatRunner = RunnerFor(reference, floatNames, options);
        var statistics = layers.ToDictionary(l => l, l => Enumerable.Range(0, l.Geometry.Groups).Select(_ => new LayerStatistics(l.Geometry.Columns, floatGram)).ToArray());
        for (int s = 0; s < samples.Count; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var quantizedInputs = Read(quantizedRunner, samples[s], quantizedNames);
            var floatInputs = Read(floatRunner, samples[s], floatNames);
            foreach (var layer in layers)
                Accumulate(layer, statistics[layer], quantizedInputs[layer.Input], floatInputs[layer.FloatInput], seed: s + 1);
        }
        return statistics;
    }

    // A stage that reads only model inputs (the first layers) needs no session: the feeds are the inputs.
    private static OrtRunner? RunnerFor(OnnxModel model, List<string> names, RunnerOptions options)
    {
        var slice = ModelSlice.Upstream(model, names);
        return slice.Proto.Graph.Output.Count == 0 ? null : new OrtRunner(slice, options);
    }

    private static Dictionary<string, (float[] Values, long[] Shape)> Read(OrtRunner? runner, IReadOnlyDictionary<string, TensorValue> feeds, List<string> names)
    {
        if (runner is null)
            return names.ToDictionary(n => n, n => (feeds[n].ToFloats(), feeds[n].Shape), StringComparer.Ordinal);
        using var outputs = runner.RunBorrowed(feeds, names);
        var result = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            var view = outputs[name];
            result[name] = (view.AsFloatSpan().ToArray(), view.Shape.ToArray());
        }
        return result;
    }

    private static void Accumulate(ReconstructionLayer layer, LayerStatistics[] statistics, (float[] Values, long[] Shape) quantized,
        (float[] Values, long[] Shape) reference, int seed)
    {
        var geometry = layer.Geometry;
        if (!quantized.Shape.AsSpan().SequenceEqual(reference.Shape))
            throw new PtqException($"reconstruction of {layer.Name}: its input has shape [{string.Join(",", quantized.Shape)}] in the quantized model but [{string.Join(",", reference.Shape)}] in the float model");
        var positions = Positions(geometry.Positions(quantized.Shape), seed);
        void Group(int g)
        {
            int columns = geometry.Columns;
            var q = new float[ChunkRows * columns];
            var f = new float[ChunkRows * columns];
            for (int start = 0; start < positions.Length; start += ChunkRows)
            {
                int rows = Math.Min(ChunkRows, positions.Length - start);
                for (int r = 0; r < rows; r++)
                {
                    geometry.Patch(quantized.Values, quantized.Shape, g, positions[start + r], q.AsSpan(r * columns, columns));
                    geometry.Patch(reference.Values, reference.Shape, g, positions[start + r], f.AsSpan(r * columns, columns));
                }
                statistics[g].Add(q, f, rows);
            }
        }
        if (geometry.Groups == 1)
            Group(0);
        else
            Parallel.For(0, geometry.Groups, Group);
    }

    /// <summary>All positions, or <see cref="MaxPositionsPerSample"/> of them spread evenly with a seeded jitter.</summary>
    private static long[] Positions(long count, int seed)
    {
        if (count <= MaxPositionsPerSample)
        {
            var all = new long[count];
            for (int i = 0; i < all.Length; i++)
                all[i] = i;
            return all;
        }
        var random = new Random(seed);
        var chosen = new long[MaxPositionsPerSample];
        for (int t = 0; t < chosen.Length; t++)
            chosen[t] = Math.Min(count - 1, (long)((t + random.NextDouble()) * count / MaxPositionsPerSample));
        return chosen;
    }
}
