using Google.Protobuf;
using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>
/// Loads and saves ONNX models: external data in both directions, models whose weights exceed protobuf's 2 GiB limit
/// (weights written externally), structural validation on load and atomic writes (temp file + rename) on save.
/// </summary>
public static class ModelIO
{
    /// <summary>Protobuf cannot parse or write a single message of 2 GiB or more.</summary>
    public const long ProtobufLimitBytes = int.MaxValue;

    /// <summary>
    /// Loads <paramref name="path"/>. External tensors are left on disk and read on demand through
    /// <see cref="OnnxModel.External"/>. With <paramref name="validate"/> (default) the model is checked by
    /// <see cref="ModelValidator"/>. Throws <see cref="OnnxFormatException"/> (missing, not ONNX, truncated),
    /// <see cref="ExternalDataException"/>, <see cref="TensorDataException"/> or a graph error, each naming the file and culprit.
    /// </summary>
    public static OnnxModel Load(string path, bool validate = true) =>
        Load(path, validate ? ModelLoadOptions.Default : new ModelLoadOptions { Validate = false });

    /// <summary>
    /// Loads <paramref name="path"/> as <see cref="Load(string, bool)"/> does, with external data allowed from
    /// <see cref="ModelLoadOptions.ExternalDataRoot"/> when set. A FIFO, device or empty file is refused unopened.
    /// </summary>
    public static OnnxModel Load(string path, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(path))
            throw new OnnxFormatException($"'{path}' is a folder; give the path of an .onnx model file");
        if (!File.Exists(path))
            throw new OnnxFormatException($"model file '{path}' does not exist");
        if (options.ExternalDataRoot is { } root && !Directory.Exists(root))
            throw new OnnxFormatException($"external data root '{root}' is not a folder");
        long length = new FileInfo(path).Length;
        if (length == 0)
            throw new OnnxFormatException($"'{path}' is empty or not a regular file (FIFO, device or socket); give an .onnx model file");
        if (length >= ResourceLimits.MaxInlineModelBytes)
            throw new OnnxFormatException(
                $"'{path}' is {length} bytes; an ONNX protobuf file must be under 2 GiB, so larger models keep their weights as external data");
        ModelProto proto;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            proto = Parse(stream, path);
        var model = new OnnxModel(proto, Path.GetDirectoryName(Path.GetFullPath(path)), path, externalDataRoot: options.ExternalDataRoot);
        if (options.Validate)
        {
            try { ModelValidator.Validate(model); }
            catch { model.Dispose(); throw; }
        }
        return model;
    }

    /// <summary>Loads a model held in memory (no external data possible). Same checks as <see cref="Load(string, bool)"/>.</summary>
    public static OnnxModel Load(ReadOnlySpan<byte> bytes, string displayName = "(in-memory model)", bool validate = true)
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException ex) { throw NotOnnx(displayName, ex); }
        CheckLooksLikeOnnx(proto, displayName);
        var model = new OnnxModel(proto, displayName: displayName);
        if (validate)
            ModelValidator.Validate(model);
        return model;
    }

    /// <summary>
    /// Saves <paramref name="model"/> to <paramref name="path"/> atomically: everything is written to temporary files in the
    /// target folder and renamed into place only when complete, so a failure leaves no partial output. External tensors
    /// of the source are copied (streamed, never fully in memory) or inlined as <paramref name="options"/> decides.
    /// The output is deterministic: the same model and options give byte-identical files. Throws
    /// <see cref="ModelWriteException"/> naming the target when the folder is missing or a file cannot be written, and
    /// <see cref="ExternalDataException"/> when the source's external data cannot be read; either way no file is left behind.
    /// </summary>
    public static void Save(OnnxModel model, string path, ModelSaveOptions? options = null)
    {
        using var commit = new IO.AtomicCommit();
        string? dataName = Stage(model, path, options, commit);
        try { commit.Commit(); }
        catch (PtqException ex) when (ex.InnerException is { } io)
        {
            throw new ModelWriteException($"cannot save '{path}'{WithData(dataName)}: {io.Message}", io);
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> (and its external data file, if any) as part of <paramref name="commit"/>: the
    /// files appear only when the caller commits, together with the other outputs of its run (e.g. quant_param.csv).
    /// Same content and exceptions as <see cref="Save(OnnxModel, string, ModelSaveOptions?)"/>.
    /// </summary>
    internal static void Save(OnnxModel model, string path, ModelSaveOptions? options, IO.AtomicCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        Stage(model, path, options, commit);
    }

    /// <summary>Writes the model's files as part of <paramref name="commit"/>; returns the external data file's name, or null when there is none.</summary>
    private static string? Stage(OnnxModel model, string path, ModelSaveOptions? options, IO.AtomicCommit commit)
    {
        options ??= ModelSaveOptions.Default;
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(directory))
            throw new ModelWriteException($"cannot save '{path}': folder '{directory}' does not exist");
        string dataName = options.ExternalDataFileName ?? Path.GetFileName(fullPath) + ".data";

        var plan = ExternalDataPlan.Create(model, options);
        var copy = model.Proto.Clone(); // ByteString payloads are shared, not copied.
        // The data file is staged first, so it is in place before the model that refers to it.
        string? tempData = plan.WriteExternal ? commit.Stage(Path.Combine(directory, dataName)) : null;
        try
        {
            plan.Apply(copy, model.External, tempData, dataName);
            commit.Write(fullPath, stream => copy.WriteTo(stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelWriteException($"cannot save '{path}'{WithData(tempData is null ? null : dataName)}: {ex.Message}", ex);
        }
        return tempData is null ? null : dataName;
    }

    private static string WithData(string? dataName) => dataName is null ? "" : $" with data file '{dataName}'";

    /// <summary>
    /// Serializes <paramref name="model"/> to one byte array with every external tensor inlined (what an in-memory ORT
    /// session needs). Throws <see cref="PtqException"/> when the result would pass the protobuf limit.
    /// </summary>
    public static byte[] ToBytes(OnnxModel model)
    {
        if (EstimateInlineBytes(model.Proto) >= ProtobufLimitBytes)
            throw new PtqException($"model '{model.DisplayName}' is too large to serialize into one protobuf message; save it with external data instead");
        var copy = model.Proto.Clone();
        ExternalDataPlan.Inline(copy, model.External);
        long size = copy.CalculateSize();
        if (size < 0 || size >= ProtobufLimitBytes)
            throw new PtqException($"model '{model.DisplayName}' is too large to serialize into one protobuf message; save it with external data instead");
        return copy.ToByteArray();
    }

    /// <summary>
    /// Bytes the model's tensors would occupy inline (external ones included), without serializing; used to decide
    /// whether a model fits in one protobuf message.
    /// </summary>
    internal static long EstimateInlineBytes(ModelProto model)
    {
        long total = 0;
        foreach (var tensor in ModelTensors.All(model))
        {
            total += tensor.DataType == (int)TensorProto.Types.DataType.String
                ? tensor.StringData.Sum(s => (long)s.Length)
                : OnnxDataType.RawByteCount(tensor.DataType, TensorData.ElementCount(tensor), tensor.Name);
        }
        return total;
    }

    internal static ModelProto Parse(Stream stream, string path)
    {
        ModelProto proto;
        try
        {
            var input = new CodedInputStream(stream);
            proto = ModelProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException ex) { throw NotOnnx(path, ex); }
        catch (IOException ex) { throw new OnnxFormatException($"cannot read '{path}': {ex.Message}", ex); }
        CheckLooksLikeOnnx(proto, path);
        return proto;
    }

    private static void CheckLooksLikeOnnx(ModelProto proto, string path)
    {
        if (proto.Graph is null)
            throw new OnnxFormatException($"'{path}' is not an ONNX model: it has no graph (is it truncated, or another kind of file?)");
        if (proto.IrVersion <= 0)
            throw new OnnxFormatException($"'{path}' is not a valid ONNX model: ir_version is {proto.IrVersion}");
        if (proto.IrVersion >= 3 && proto.OpsetImport.Count == 0)
            throw new OnnxFormatException($"'{path}' is not a valid ONNX model: IR version {proto.IrVersion} requires opset_import entries and there are none");
    }

    private static OnnxFormatException NotOnnx(string path, Exception ex) =>
        new($"'{path}' is not a readable ONNX model (truncated or not protobuf): {ex.Message}", ex);

}
