using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>
/// A loaded ONNX model: the protobuf message plus the folder its external data is resolved against.
/// External tensors stay on disk until read through <see cref="External"/>.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    /// <summary>
    /// Wraps <paramref name="proto"/>; <paramref name="baseDirectory"/> is the folder of the file it came from (null for
    /// in-memory models). <paramref name="displayName"/> names an in-memory model in messages (default: the source path).
    /// External data must lie inside <paramref name="externalDataRoot"/> when given, else inside <paramref name="baseDirectory"/>.
    /// </summary>
    internal OnnxModel(ModelProto proto, string? baseDirectory = null, string? sourcePath = null, string? displayName = null,
        string? externalDataRoot = null)
    {
        Proto = proto ?? throw new ArgumentNullException(nameof(proto));
        SourcePath = sourcePath;
        DisplayName = displayName ?? sourcePath ?? "(in-memory model)";
        if (baseDirectory is not null)
            External = new ExternalDataReader(baseDirectory, externalDataRoot);
    }

    /// <summary>
    /// A model made from this one (a rewritten copy of its proto): same source path and external data folder and root,
    /// with its own file handles, and the temporary tensor files of this one (<see cref="SpillFile"/>) plus
    /// <paramref name="spill"/> attached.
    /// </summary>
    internal OnnxModel Derive(ModelProto proto, SpillFile? spill = null)
    {
        var model = new OnnxModel(proto, External?.BaseDirectory, SourcePath, externalDataRoot: External?.AllowedRoot);
        foreach (var s in External?.Spills ?? [])
            model.External!.Attach(s);
        if (spill is not null)
            (model.External ?? throw new InvalidOperationException("a model without a folder cannot refer to a temporary tensor file")).Attach(spill);
        return model;
    }

    /// <summary>The model message. Passes edit it in place or through <see cref="Graph.OnnxGraph"/>.</summary>
    internal ModelProto Proto { get; }

    /// <summary>The file the model was loaded from, for messages; null for in-memory models.</summary>
    public string? SourcePath { get; }

    /// <summary>Reader for EXTERNAL tensors, or null when the model came from memory.</summary>
    internal ExternalDataReader? External { get; }

    /// <summary>A short name for messages: the given display name, else the file path, else "(in-memory model)".</summary>
    public string DisplayName { get; }

    /// <summary>The opset version imported for the default ONNX domain ("" or "ai.onnx"); 0 when none is imported.</summary>
    public long DefaultOpset =>
        Proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();

    /// <summary>
    /// True when some initializer lives in a temporary tensor file (<see cref="SpillFile"/>): the model is the quantization
    /// of one of 2 GiB or more, and is saved and run from files rather than serialized whole.
    /// </summary>
    internal bool HoldsSpilledTensors =>
        External is { Spills.Count: > 0 } reader && ModelTensors.Initializers(Proto).Any(reader.IsSpilled);

    /// <summary>Reads any tensor of this model as float values (inline or external).</summary>
    internal float[] ReadFloats(TensorProto tensor) => TensorData.ToFloats(tensor, External);

    /// <summary>Closes external data files.</summary>
    public void Dispose() => External?.Dispose();
}
