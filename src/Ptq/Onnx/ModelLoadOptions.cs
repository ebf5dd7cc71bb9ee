namespace Ptq.Onnx;

/// <summary>How <see cref="ModelIO.Load(string, ModelLoadOptions)"/> reads a model. Immutable.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Defaults: validate, external data only from inside the model's folder.</summary>
    public static ModelLoadOptions Default { get; } = new();

    /// <summary>Check the model with <see cref="ModelValidator"/> after parsing (default true).</summary>
    public bool Validate { get; init; } = true;

    /// <summary>
    /// <c>--external-data-root DIR</c>: the folder external data files must lie in (after resolving symbolic links),
    /// for models whose weights sit beside rather than below them; null (default) allows only the model's own folder.
    /// </summary>
    public string? ExternalDataRoot { get; init; }
}
