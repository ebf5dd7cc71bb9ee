using Google.Protobuf;
using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>Decides which initializers a save writes externally and rewrites a model copy accordingly.</summary>
internal sealed class ExternalDataPlan
{
    private const int Alignment = 64; // keeps every tensor's bytes aligned for memory-mapped readers

    private ExternalDataPlan(bool writeExternal, long minBytes)
    {
        WriteExternal = writeExternal;
        MinBytes = minBytes;
    }

    public bool WriteExternal { get; }
    private long MinBytes { get; }

    public static ExternalDataPlan Create(OnnxModel model, ModelSaveOptions options)
    {
        long total = 0;
        foreach (var tensor in ModelTensors.Initializers(model.Proto))
            total += TensorBytes(tensor);
        bool external = options.ExternalData switch
        {
            ExternalDataMode.Always => true,
            ExternalDataMode.Never => false,
            // A model whose tensors were streamed to a temporary file while it was built (a source of 2 GiB or more)
            // keeps them external: inlining would load them all into memory at once.
            _ => total > options.AutoExternalThresholdBytes || model.HoldsSpilledTensors,
        };
        if (!external && total >= ModelIO.ProtobufLimitBytes)
            throw new PtqException(
                $"model '{model.DisplayName}' holds {total} bytes of weights, over protobuf's 2 GiB limit; save it with external data (ExternalDataMode.Auto or Always)");
        return new ExternalDataPlan(external, options.ExternalMinBytes);
    }

    /// <summary>Rewrites the tensors of <paramref name="copy"/>: large ones to <paramref name="dataPath"/>, the rest inline.</summary>
    public void Apply(ModelProto copy, ExternalDataReader? source, string? dataPath, string dataLocation)
    {
        if (!WriteExternal)
        {
            Inline(copy, source);
            return;
        }
        // Attribute tensors (Constant values) stay inline: runtimes do not all accept external data there.
        var initializers = new HashSet<TensorProto>(ModelTensors.Initializers(copy), ReferenceEqualityComparer.Instance);
        foreach (var tensor in ModelTensors.All(copy))
        {
            if (!initializers.Contains(tensor) && ExternalDataInfo.IsExternal(tensor))
                InlineOne(tensor, source);
        }
        using var data = new FileStream(dataPath!, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        foreach (var tensor in ModelTensors.Initializers(copy))
        {
            long bytes = TensorBytes(tensor);
            if (bytes < MinBytes && !ExternalDataInfo.IsExternal(tensor))
                continue;
            if (bytes < MinBytes)
            {
                InlineOne(tensor, source);
                continue;
            }
            long offset = (data.Position + Alignment - 1) / Alignment * Alignment;
            data.SetLength(Math.Max(data.Length, offset));
            data.Position = offset;
            if (ExternalDataInfo.IsExternal(tensor))
                Require(source, tensor).CopyTo(tensor, data);
            else if (!tensor.RawData.IsEmpty)
                data.Write(tensor.RawData.Span); // no copy of the (possibly huge) payload
            else
                data.Write(TensorData.GetRawBytes(tensor));
            ClearTypedData(tensor);
            new ExternalDataInfo(dataLocation, offset, bytes).ApplyTo(tensor);
        }
        data.Flush(flushToDisk: false);
    }

    /// <summary>Moves every external tensor's bytes into <c>raw_data</c>.</summary>
    public static void Inline(ModelProto copy, ExternalDataReader? source)
    {
        foreach (var tensor in ModelTensors.All(copy))
        {
            if (ExternalDataInfo.IsExternal(tensor))
                InlineOne(tensor, source);
        }
    }

    private static void InlineOne(TensorProto tensor, ExternalDataReader? source)
    {
        var bytes = Require(source, tensor).ReadBytes(tensor);
        tensor.ExternalData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        tensor.RawData = ByteString.CopyFrom(bytes);
    }

    private static ExternalDataReader Require(ExternalDataReader? source, TensorProto tensor) =>
        source ?? throw new ExternalDataException($"tensor '{tensor.Name}' stores its data externally but the model has no folder to read it from");

    private static long TensorBytes(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.String
            ? tensor.StringData.Sum(s => (long)s.Length)
            : OnnxDataType.RawByteCount(tensor.DataType, TensorData.ElementCount(tensor), tensor.Name);

    private static void ClearTypedData(TensorProto tensor)
    {
        tensor.FloatData.Clear();
        tensor.Int32Data.Clear();
        tensor.Int64Data.Clear();
        tensor.DoubleData.Clear();
        tensor.Uint64Data.Clear();
    }
}
