using Microsoft.Win32.SafeHandles;
using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>
/// A private temporary file that holds tensors a quantization produced while the model is still being built, so a model
/// of gigabytes is never held in memory: each tensor is appended as it is made and the model keeps only an external-data
/// reference (<see cref="Location"/>, offset, length). The file has no name on disk (it is unlinked as soon as it is
/// opened; on Windows it is deleted on close), so a failed or interrupted run leaves nothing behind, and its space is
/// freed when the last model or record referring to it is collected (<see cref="SafeFileHandle"/> finalizes).
/// <see cref="ExternalDataReader"/> resolves <see cref="Location"/> to this file, so reading, saving
/// (<see cref="ModelIO.Save(OnnxModel, string, ModelSaveOptions?)"/> copies the bytes into the output's data file) and
/// ORT sessions see the tensors as ordinary external data.
/// </summary>
internal sealed class SpillFile
{
    private const int Alignment = 64;
    private readonly SafeFileHandle _handle;
    private readonly Lock _gate = new();
    private long _length;

    /// <summary>Creates the file in <paramref name="directory"/> (default: the system's temporary folder).</summary>
    /// <exception cref="PtqException">When the folder does not exist or the file cannot be created.</exception>
    public SpillFile(string? directory = null)
    {
        directory ??= Path.GetTempPath();
        Location = $"ptq-spill-{Guid.NewGuid():N}.bin";
        string path = Path.Combine(directory, "." + Location);
        try
        {
            _handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete,
                FileOptions.DeleteOnClose);
            if (!OperatingSystem.IsWindows())
                File.Delete(path); // the open handle keeps the bytes; no name is left to clean up
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PtqException($"cannot create a temporary file in '{directory}' for the quantized tensors: {ex.Message}", ex);
        }
    }

    /// <summary>The external-data location the tensors written here carry (unique; never a file in the model's folder).</summary>
    public string Location { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length { get { lock (_gate) return _length; } }

    /// <summary>Appends <paramref name="bytes"/> at the next 64-byte boundary; returns their offset.</summary>
    public long Append(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            long offset = (_length + Alignment - 1) / Alignment * Alignment;
            try { RandomAccess.Write(_handle, bytes, offset); }
            catch (IOException ex) { throw new PtqException($"cannot write quantized tensors to a temporary file: {ex.Message}", ex); }
            _length = offset + bytes.Length;
            return offset;
        }
    }

    /// <summary>Appends the values of <paramref name="values"/> (little-endian, as ONNX raw data); returns their offset.</summary>
    public long Append<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    /// <summary>Reads <paramref name="destination"/>.Length bytes from <paramref name="offset"/>.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || destination.Length > Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"bytes [{offset}, {offset + destination.Length}) lie beyond the {Length} bytes of the temporary tensor file");
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_handle, destination, offset);
            if (read == 0)
                throw new ExternalDataException($"the temporary tensor file ended early at byte {offset}");
            destination = destination[read..];
            offset += read;
        }
    }

    /// <summary>Reads <paramref name="count"/> values of <typeparamref name="T"/> from <paramref name="offset"/>.</summary>
    public T[] Read<T>(long offset, int count) where T : unmanaged
    {
        var values = new T[count];
        Read(offset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>
    /// Moves the inline bytes of <paramref name="tensor"/> here and turns it into an external reference to them; tensors
    /// smaller than <paramref name="minBytes"/> stay inline (small enough not to matter, and names of shapes read them).
    /// </summary>
    public TensorProto Take(TensorProto tensor, long minBytes = 1024)
    {
        if (ExternalDataInfo.IsExternal(tensor) || tensor.DataType == (int)TensorProto.Types.DataType.String)
            return tensor;
        ReadOnlySpan<byte> bytes = tensor.RawData.IsEmpty ? TensorData.GetRawBytes(tensor) : tensor.RawData.Span;
        if (bytes.Length < minBytes)
            return tensor;
        long offset = Append(bytes);
        tensor.FloatData.Clear();
        tensor.Int32Data.Clear();
        tensor.Int64Data.Clear();
        tensor.DoubleData.Clear();
        tensor.Uint64Data.Clear();
        new ExternalDataInfo(Location, offset, bytes.Length).ApplyTo(tensor);
        return tensor;
    }

    /// <summary>The handle reads go through (<see cref="ExternalDataReader"/>).</summary>
    internal SafeFileHandle Handle => _handle;
}
