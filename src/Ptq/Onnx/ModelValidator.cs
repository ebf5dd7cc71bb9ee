
namespace Ptq.Onnx;

/// <summary>
/// Structural checks run on load: every tensor's type is known and its stored size matches its dims, external data
/// lies inside its file, and every graph is well formed (no dangling inputs, duplicate producers or cycles).
/// </summary>
internal static class ModelValidator
{
    /// <summary>
    /// Validates <paramref name="model"/>; throws a <see cref="PtqException"/> subtype naming the model file and the
    /// tensor or node at fault.
    /// </summary>
    public static void Validate(OnnxModel model)
    {
        foreach (var tensor in ModelTensors.All(model.Proto))
        {
            try
            {
                TensorData.Validate(tensor);
                if (ExternalDataInfo.IsExternal(tensor))
                {
                    if (model.External is null)
                        throw new ExternalDataException($"tensor '{tensor.Name}' stores its data externally, which a model loaded from memory cannot read");
                    model.External.Locate(tensor);
                }
            }
            catch (PtqException ex)
            {
                throw Rethrow(ex, model.DisplayName);
            }
        }
        StructureCheck?.Invoke(model);
    }

    /// <summary>
    /// The graph-structure check (dangling inputs, duplicate producers, cycles), supplied by the graph IR layer above
    /// this one (<see cref="Graph.GraphValidation"/>), so that loading checks it without this layer depending on the IR.
    /// </summary>
    internal static Action<OnnxModel>? StructureCheck { get; set; }

    private static PtqException Rethrow(PtqException ex, string file) => ex switch
    {
        ExternalDataException => new ExternalDataException($"{file}: {ex.Message}", ex),
        UnsupportedDataTypeException unsupported => new UnsupportedDataTypeException($"{file}: {ex.Message}", unsupported),
        TensorDataException => new TensorDataException($"{file}: {ex.Message}"),
        _ => ex,
    };
}
