using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>One layer as reconstruction left it.</summary>
/// <param name="Node">The layer's node name.</param>
/// <param name="Weight">Its float weight initializer.</param>
/// <param name="Grid">The grid the weight had before reconstruction (what a later quantization must also have to reuse this).</param>
/// <param name="Parameters">The grid the codes are on (scales moved by the clip search).</param>
/// <param name="Codes">The codes, in the weight's layout.</param>
/// <param name="Bias">The refitted float bias, or null.</param>
/// <param name="Error">Mean square output error per output beyond the best float weights, on the calibration inputs.</param>
/// <param name="NearestError">The same for round-to-nearest codes.</param>
internal sealed record ReconstructedLayer(string Node, string Weight, QuantParams Grid, QuantParams Parameters, int[] Codes, float[]? Bias, double Error, double NearestError);

/// <summary>
/// The outcome of a reconstruction, kept so that searches which quantize the same model again (the accuracy guard, the
/// mixed-precision searches) reuse it instead of gathering layer inputs again. A layer whose grid changed since (more
/// bits) is not reused.
/// </summary>
internal sealed class ReconstructedWeights(IReadOnlyList<ReconstructedLayer> layers, IReadOnlyList<string> skipped)
{
    /// <summary>The reconstructed layers, in the order they were done.</summary>
    public IReadOnlyList<ReconstructedLayer> Layers { get; } = layers;

    /// <summary>Layers reconstruction could not cover, with the reason (they keep round-to-nearest codes).</summary>
    public IReadOnlyList<string> Skipped { get; } = skipped;

    /// <summary>The layer reconstructed for <paramref name="node"/> and <paramref name="weight"/> on the same grid, or null.</summary>
    public ReconstructedLayer? Find(string node, string weight, QuantParams parameters) =>
        Layers.FirstOrDefault(l => l.Node == node && l.Weight == weight && SameGrid(l.Grid, parameters));

    private static bool SameGrid(QuantParams a, QuantParams b) =>
        a.Scheme == b.Scheme && a.Axis == b.Axis && a.Scales.AsSpan().SequenceEqual(b.Scales) && a.ZeroPoints.AsSpan().SequenceEqual(b.ZeroPoints);
}
