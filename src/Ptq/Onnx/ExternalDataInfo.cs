using System.Globalization;
using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>Where an external tensor's bytes live: the <c>external_data</c> entries of a <see cref="TensorProto"/>.</summary>
/// <param name="Location">Path relative to the model's folder.</param>
/// <param name="Offset">Byte offset into the file (0 when absent).</param>
/// <param name="Length">Byte count, or null when absent (then the tensor's size from dims and type is used).</param>
public readonly record struct ExternalDataInfo(string Location, long Offset, long? Length)
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
    /// climb out of the model folder (a model file must not make Ptq read arbitrary files).
    /// </summary>
    public string ResolvePath(string baseDirectory, string tensorName)
    {
        if (Location.AsSpan().IndexOfAny(InvalidPathChars) >= 0)
            throw new ExternalDataException($"tensor '{tensorName}': external data location '{Location.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a character no file name may hold");
        if (Path.IsPathRooted(Location))
            throw new ExternalDataException($"tensor '{tensorName}': external data location '{Location}' is absolute; ONNX requires a path relative to the model file");
        string root = Path.GetFullPath(baseDirectory);
        string full = Path.GetFullPath(Path.Combine(root, Location));
        string rootWithSep = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSep, StringComparison.Ordinal))
            throw new ExternalDataException($"tensor '{tensorName}': external data location '{Location}' points outside the model folder '{root}'");
        return full;
    }

    private static readonly System.Buffers.SearchValues<char> InvalidPathChars = System.Buffers.SearchValues.Create(Path.GetInvalidPathChars());

    private static long ParseNonNegative(TensorProto tensor, StringStringEntryProto entry)
    {
        if (!long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new ExternalDataException($"tensor '{tensor.Name}': external data '{entry.Key}' is '{entry.Value}', not a non-negative integer");
        return value;
    }
}
