using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>
/// Reads external tensor bytes on demand, one tensor at a time, so a model with many gigabytes of weights is never
/// held in one array. File handles are opened once per file and shared; reads are positional and thread-safe.
/// Only regular files whose real path (every symbolic link resolved) lies inside the model folder, or the
/// <see cref="AllowedRoot"/> given instead, are ever opened.
/// </summary>
internal sealed class ExternalDataReader : IDisposable
{
    private readonly string _baseDirectory;
    private readonly string? _allowedRoot;
    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SpillFile> _spills = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a reader resolving locations against <paramref name="baseDirectory"/> (the model file's folder). Files must
    /// lie inside <paramref name="allowedRoot"/> when given (<c>--external-data-root</c>), else inside <paramref name="baseDirectory"/>.
    /// </summary>
    public ExternalDataReader(string baseDirectory, string? allowedRoot = null)
    {
        _baseDirectory = baseDirectory;
        _allowedRoot = allowedRoot is null ? null : Path.GetFullPath(allowedRoot);
    }

    /// <summary>
    /// Resolves the location of <paramref name="spill"/> to it (tensors a quantization wrote there while building the
    /// model); the reader keeps it alive but does not close it.
    /// </summary>
    public void Attach(SpillFile spill)
    {
        lock (_gate)
            _spills[spill.Location] = spill;
    }

    /// <summary>The temporary tensor files attached (<see cref="Attach"/>), for a model derived from this one.</summary>
    public IReadOnlyList<SpillFile> Spills
    {
        get { lock (_gate) return [.. _spills.Values]; }
    }

    /// <summary>True when <paramref name="tensor"/> lives in an attached temporary tensor file.</summary>
    public bool IsSpilled(TensorProto tensor) =>
        ExternalDataInfo.IsExternal(tensor) && tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value is { } location
        && SpillFor(location) is not null;

    private SpillFile? SpillFor(string location)
    {
        lock (_gate)
            return _spills.GetValueOrDefault(location);
    }

    // A key no real path can equal: the location of an attached temporary file behind a NUL.
    private const char SpillKeyPrefix = '\0';

    /// <summary>The folder external locations are resolved against.</summary>
    public string BaseDirectory => _baseDirectory;

    /// <summary>The folder external files must stay in when it is not <see cref="BaseDirectory"/>; null for the model folder.</summary>
    public string? AllowedRoot => _allowedRoot;

    /// <summary>
    /// Checks that the external file is a regular file inside the allowed folder (after resolving links) and that
    /// offset + length lie inside it, without opening it; returns the validated byte range. Throws
    /// <see cref="ExternalDataException"/> naming the tensor and file otherwise.
    /// </summary>
    public (string Path, long Offset, long Length) Locate(TensorProto tensor)
    {
        var info = ExternalDataInfo.Parse(tensor);
        if (SpillFor(info.Location) is { } spill)
            return LocateSpilled(tensor, info, spill);
        string path = info.ResolvePath(_baseDirectory, tensor.Name, _allowedRoot);
        CheckRealPath(path, info.Location, tensor.Name);
        // The size comes from the directory entry: opening a FIFO would block until a writer appears.
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new ExternalDataException($"tensor '{tensor.Name}': external data file '{path}' does not exist");
        long fileLength = file.Length;
        long expected = OnnxDataType.RawByteCount(tensor.DataType, TensorData.ElementCount(tensor), tensor.Name);
        long length = info.Length ?? expected;
        if (fileLength == 0 && length > 0)
            throw new ExternalDataException($"tensor '{tensor.Name}': external data file '{path}' is empty or not a regular file (FIFO, device or socket)");
        if (info.Offset > fileLength || length > fileLength - info.Offset)
            throw new ExternalDataException(
                $"tensor '{tensor.Name}': external data range [offset {info.Offset}, length {length}] lies beyond the end of '{path}' ({fileLength} bytes)");
        if (length != expected)
            throw new ExternalDataException(
                $"tensor '{tensor.Name}': external data length is {length} bytes but dims {TensorData.FormatDims(tensor)} of {OnnxDataType.Name(tensor.DataType)} need {expected}");
        return (path, info.Offset, length);
    }

    private static (string Path, long Offset, long Length) LocateSpilled(TensorProto tensor, ExternalDataInfo info, SpillFile spill)
    {
        long expected = OnnxDataType.RawByteCount(tensor.DataType, TensorData.ElementCount(tensor), tensor.Name);
        long length = info.Length ?? expected;
        if (length != expected || info.Offset > spill.Length || length > spill.Length - info.Offset)
            throw new ExternalDataException($"tensor '{tensor.Name}': range [offset {info.Offset}, length {length}] does not fit the temporary tensor file ({spill.Length} bytes, {expected} expected)");
        return (SpillKeyPrefix + info.Location, info.Offset, length);
    }

    /// <summary>Reads the tensor's bytes into a new array (a single tensor must fit in one .NET array, under 2 GiB).</summary>
    public byte[] ReadBytes(TensorProto tensor)
    {
        var (path, offset, length) = Locate(tensor);
        if (length > Array.MaxLength)
            throw new ExternalDataException($"tensor '{tensor.Name}' is {length} bytes; a single tensor larger than {Array.MaxLength} bytes cannot be loaded into memory");
        var buffer = new byte[length];
        ReadInto(path, offset, buffer, tensor.Name);
        return buffer;
    }

    /// <summary>
    /// Reads the tensor's bytes from <paramref name="start"/> (relative to the tensor's first byte) into
    /// <paramref name="destination"/>, which the range must fit: large tensors are read straight into their final array,
    /// or in slices, without a byte copy of the whole tensor.
    /// </summary>
    public void ReadBytes(TensorProto tensor, long start, Span<byte> destination)
    {
        var (path, offset, length) = Locate(tensor);
        if (start < 0 || destination.Length > length - start)
            throw new ArgumentOutOfRangeException(nameof(start), $"tensor '{tensor.Name}': bytes [{start}, {start + destination.Length}) lie outside its {length} bytes");
        ReadInto(path, offset + start, destination, tensor.Name);
    }

    /// <summary>Copies the tensor's bytes to <paramref name="destination"/> in bounded chunks (no full-size buffer).</summary>
    public void CopyTo(TensorProto tensor, Stream destination)
    {
        var (path, offset, length) = Locate(tensor);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, 1 << 22));
        try
        {
            for (long done = 0; done < length;)
            {
                int chunk = (int)Math.Min(buffer.Length, length - done);
                ReadInto(path, offset + done, buffer.AsSpan(0, chunk), tensor.Name);
                destination.Write(buffer, 0, chunk);
                done += chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Refuses a location whose real path (links resolved) leaves the allowed folder, e.g. <c>link.bin → /etc/passwd</c>.</summary>
    private void CheckRealPath(string path, string location, string tensorName)
    {
        string real, root;
        try
        {
            real = IO.RealPath.Resolve(path);
            root = IO.RealPath.Resolve(_allowedRoot ?? _baseDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ExternalDataException($"tensor '{tensorName}': cannot resolve external data location '{location}': {ex.Message}", ex);
        }
        if (!IO.RealPath.IsUnder(real, root))
            throw new ExternalDataException(
                $"tensor '{tensorName}': external data location '{location}' resolves through a symbolic link to '{real}', outside the {ExternalDataInfo.FolderName(_allowedRoot)} '{root}'");
    }

    private void ReadInto(string path, long offset, Span<byte> buffer, string tensorName)
    {
        if (buffer.IsEmpty)
            return;
        var handle = Open(path, tensorName);
        while (!buffer.IsEmpty)
        {
            int read;
            try { read = RandomAccess.Read(handle, buffer, offset); }
            catch (IOException ex) { throw new ExternalDataException($"tensor '{tensorName}': reading '{path}' at byte {offset} failed: {ex.Message}", ex); }
            if (read == 0)
                throw new ExternalDataException($"tensor '{tensorName}': '{path}' ended early at byte {offset}");
            buffer = buffer[read..];
            offset += read;
        }
    }

    private SafeFileHandle Open(string path, string tensorName)
    {
        lock (_gate)
        {
            if (path[0] == SpillKeyPrefix)
                return _spills[path[1..]].Handle;
            if (_handles.TryGetValue(path, out var handle))
                return handle;
            if (!File.Exists(path))
                throw new ExternalDataException($"tensor '{tensorName}': external data file '{path}' does not exist");
            try { handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ExternalDataException($"tensor '{tensorName}': cannot open external data file '{path}': {ex.Message}", ex);
            }
            _handles.Add(path, handle);
            return handle;
        }
    }

    /// <summary>Closes every file handle.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var handle in _handles.Values)
                handle.Dispose();
            _handles.Clear();
        }
    }
}
