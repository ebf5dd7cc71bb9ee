namespace Ptq.Passes;

/// <summary>
/// A declared shape (a value info or a graph output) that contradicts the graph: a fixed size where the graph
/// gives another size or a size that follows a dynamic input dim, or another rank. ONNX Runtime trusts such
/// declarations (it folds Shape ops with them), so a model that runs may stop running once nodes are added.
/// </summary>
/// <param name="ValueName">The tensor whose declaration is stale.</param>
/// <param name="Declared">The declared shape, e.g. "[128,3200]".</param>
/// <param name="Inferred">The shape the graph gives, e.g. "[batch,3200]" ("?" for a size only known at run time).</param>
internal sealed record StaleShape(string ValueName, string Declared, string Inferred)
{
    /// <inheritdoc/>
    public override string ToString() => $"'{ValueName}' declared {Declared}, the graph gives {Inferred}";
}
