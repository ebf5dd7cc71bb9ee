namespace Ptq.Recipes;

/// <summary>
/// Per-tensor clip values of one layer in a Bolt clip table (<c>--clip-table</c>, Bolt <c>-s</c>): tensor name → clip V,
/// meaning the tensor is clipped to [-V, V] and quantized with scale V / 127 at 8 bits.
/// </summary>
/// <param name="Inputs">Clips of the layer's input tensors.</param>
/// <param name="Weights">Clips of the layer's weight tensors.</param>
/// <param name="Outputs">Clips of the layer's output tensors.</param>
internal sealed record LayerClips(
    IReadOnlyDictionary<string, double> Inputs,
    IReadOnlyDictionary<string, double> Weights,
    IReadOnlyDictionary<string, double> Outputs);

/// <summary>A Bolt clip table: layer name → <see cref="LayerClips"/>, in file order. Read by <see cref="BoltClipTableReader"/>.</summary>
/// <param name="Layers">Layers in file order.</param>
internal sealed record ClipTable(IReadOnlyList<KeyValuePair<string, LayerClips>> Layers)
{
    /// <summary>The clip of tensor <paramref name="tensor"/> in any layer and role, or null when the table has none.</summary>
    public double? ClipOf(string tensor)
    {
        foreach (var (_, clips) in Layers)
        {
            if (clips.Inputs.TryGetValue(tensor, out double v) || clips.Weights.TryGetValue(tensor, out v) || clips.Outputs.TryGetValue(tensor, out v))
                return v;
        }
        return null;
    }
}
