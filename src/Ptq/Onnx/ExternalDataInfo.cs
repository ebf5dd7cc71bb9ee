using System.Globalization;
using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>Where an external tensor's bytes live: the <c>external_data</c> entries of a <see cref="TensorProto"/>.</summary>
/// <param name="Location">Path relative to the model's folder.</param>
/// <param name="Offset">Byte offset into the file (0 when absent).</param>
/// <param name="Length">Byte count, or null when absent (then the tensor's size from dims and type is used).</param>
internal readonly record struct ExternalDataInfo(string Location, long Offset, long? Length)
{
    /// <summary>True when the tensor stores its data outside the model file.</summary>
    public static bool IsExternal(TensorProto tensor) => tensor.DataLocation == TensorProto.Types.DataLocation.External;

    /// <summary>Parses the entries of <paramref name="tensor"/>; throws <see cref="ExternalDataException"/> naming the tensor when they are malformed.</summary>
    public static ExternalDataInfo Parse(TensorProto tensor)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseNonNegative(tensor, entry); break;
                case "length": length = ParseNonNegative(tensor, entry); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new ExternalDataException($"tensor '{tensor.Name}' is marked EXTERNAL but has no 'location' entry");
        return new ExternalDataInfo(location, offset, length);
    }

    /// <summary>Writes these entries into <paramref name="tensor"/> and marks it EXTERNAL (clearing inline data).</summary>
    public void ApplyTo(TensorProto tensor)
    {
        tensor.ExternalData.Clear();
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = Location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = Offset.ToString(CultureInfo.InvariantCulture) });
        if (Length is { } length)
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(CultureInfo.InvariantCulture) });
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.RawData = Google.Protobuf.ByteString.Empty;
    }

    /// <summary>
    /// Resolves <see cref="Location"/> against <paramref name="baseDirectory"/>, refusing absolute paths and paths that
    /// climb out of <paramref name="allowedRoot"/> (default: the model folder), so a model file cannot make Ptq read
    /// arbitrary files. The check is textual; <see cref="ExternalDataReader"/> repeats it on the real path (links resolved).
    /// </summary>
    public string ResolvePath(string baseDirectory, string tensorName, string? allowedRoot = null)
    {
        if (Location.AsSpan().IndexOfAny(InvalidPathChars) >= 0)
            throw new ExternalDataException($"tensor '{tensorName}': external data location '{Location.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a character no file name may hold");
        if (Path.IsPathRooted(Location))
            throw new ExternalDataException($"tensor '{tensorName}': external data location '{Location}' is absolute; ONNX requires a path relative to the model file");
        string full = Path.GetFullPath(Path.Combine(Path.GetFullPath(baseDirectory), Location));
        string root = Path.GetFullPath(allowedRoot ?? baseDirectory);
        if (!IO.RealPath.IsUnder(full, root))
            throw new ExternalDataException($"tensor '{tensorName}': external data location '{Location}' points outside the {FolderName(allowedRoot)} '{root}'");
        return full;
    }

    /// <summary>How messages name the folder external data must stay in.</summary>
    internal static string FolderName(string? allowedRoot) =>
        allowedRoot is null ? "model folder (allow another with --external-data-root)" : "external data root";

    private static readonly System.Buffers.SearchValues<char> InvalidPathChars = System.Buffers.SearchValues.Create(Path.GetInvalidPathChars());

    private static long ParseNonNegative(TensorProto tensor, StringStringEntryProto entry)
    {
        if (!long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new ExternalDataException($"tensor '{tensor.Name}': external data '{entry.Key}' is '{entry.Value}', not a non-negative integer");
        return value;
    }
}
