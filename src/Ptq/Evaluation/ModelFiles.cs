using Ptq.Onnx;

namespace Ptq.Evaluation;

/// <summary>On-disk size of a model.</summary>
internal static class ModelFiles
{
    /// <summary>
    /// Bytes of the model file plus every distinct external data file its tensors reference (resolved against the model's
    /// folder); null for an in-memory model or when the file is gone.
    /// </summary>
    public static long? Bytes(OnnxModel model)
    {
        if (model.SourcePath is not { } path || !File.Exists(path)) return null;
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var external = ModelTensors.All(model.Proto).Where(ExternalDataInfo.IsExternal)
            .Select(t => Path.GetFullPath(Path.Combine(folder, ExternalDataInfo.Parse(t).Location)))
            .Distinct(StringComparer.Ordinal)
            .Where(File.Exists);
        return new FileInfo(path).Length + external.Sum(f => new FileInfo(f).Length);
    }
}
