namespace Ptq.Data.Readers;

/// <summary>How an array stored in a file (.npy, .npz entry) maps onto samples of a model input.</summary>
/// <param name="Samples">Number of samples the array provides.</param>
/// <param name="SampleDims">Dimensions of each sample's tensor.</param>
internal sealed record ArraySlicing(int Samples, int[] SampleDims)
{
    public long ElementsPerSample => ShapeResolver.Product(SampleDims);

    /// <summary>
    /// Matches a stored array shape to a model input, in this order:
    /// (1) the shape fits the input (dynamic dimensions accept anything) → one sample, including a batch of N for a dynamic batch;
    /// (2) the input's leading dimension is a static 1 and the array's is N &gt; 1 with the rest fitting → N samples of batch 1;
    /// (3) the array lacks the leading dimension (rank one less) and the input's leading dimension is 1 or dynamic → one sample with batch 1 added.
    /// </summary>
    /// <exception cref="DataSourceException">When none applies; names the file, both shapes, and what would fit.</exception>
    public static ArraySlicing Fit(ModelInputInfo input, int[] shape, string name)
    {
        if (ShapeResolver.Matches(input, shape)) return new ArraySlicing(1, shape);
        if (shape.Length == input.Rank && shape.Length > 0 && input.Shape[0] == 1 && shape[0] > 1)
        {
            int[] one = [1, .. shape[1..]];
            if (ShapeResolver.Matches(input, one)) return new ArraySlicing(shape[0], one);
        }
        if (shape.Length == input.Rank - 1 && (input.IsDynamic(0) || input.Shape[0] == 1))
        {
            int[] batched = [1, .. shape];
            if (ShapeResolver.Matches(input, batched)) return new ArraySlicing(1, batched);
        }
        throw new DataSourceException($"'{name}' holds shape [{string.Join(",", shape)}] but input '{input.Name}' expects {input.ShapeText} " +
            "(a leading dimension N > 1 is split into N samples only when the input's batch is a static 1; the batch dimension may be omitted).");
    }

    /// <summary>Whether data stored as <paramref name="stored"/> may feed an input of <paramref name="wanted"/> type (see <see cref="TensorConvert.TryConvert"/>).</summary>
    public static bool IsConvertible(InputElementType stored, InputElementType wanted) =>
        stored == wanted
        || (wanted.IsFloatingPoint() && stored != InputElementType.Bool)
        || (!wanted.IsFloatingPoint() && wanted != InputElementType.Bool && !stored.IsFloatingPoint() && stored != InputElementType.Bool);

    /// <exception cref="DataSourceException">When the stored dtype cannot feed the input; names file and both types.</exception>
    public static void EnsureConvertible(InputElementType stored, ModelInputInfo input, string name)
    {
        if (!IsConvertible(stored, input.ElementType))
            throw new DataSourceException($"'{name}' stores {stored} but input '{input.Name}' expects {input.ElementType}; " +
                $"only exact conversions are made (any number to float, integer to integer). Save the array as {input.ElementType}.");
    }

    /// <summary>Reads sample <paramref name="index"/> from a stream positioned at the array's first element.</summary>
    /// <exception cref="DataSourceException">When the data is truncated or integer values do not fit the input type.</exception>
    public InputTensor ReadSample(Stream data, NpyHeader header, int index, ModelInputInfo input, string name)
    {
        int elementSize = header.ElementType.SizeInBytes();
        long count = ElementsPerSample;
        long skip = index * count * elementSize;
        if (skip > 0)
        {
            if (data.CanSeek) data.Seek(skip, SeekOrigin.Current);
            else data.CopyTo(Stream.Null, 1 << 16, skip);
        }
        var bytes = new byte[checked((int)(count * elementSize))];
        if (NpyHeader.ReadFully(data, bytes) < bytes.Length)
            throw new CorruptFileException(name, $"'{name}' is truncated: shape [{string.Join(",", header.Shape)}] of {header.ElementType} needs {header.ElementCount * elementSize} data bytes.");
        Array stored = TensorConvert.FromLittleEndian(bytes, header.ElementType, (int)count);
        Array converted = TensorConvert.TryConvert(stored, header.ElementType, input.ElementType)
            ?? throw new DataSourceException($"'{name}' holds {header.ElementType} values out of range for input '{input.Name}' ({input.ElementType}).");
        return new InputTensor(input.Name, input.ElementType, SampleDims, converted);
    }
}

internal static class StreamSkipping
{
    /// <summary>Discards <paramref name="count"/> bytes from a non-seekable stream (deflated zip entries).</summary>
    public static void CopyTo(this Stream source, Stream sink, int bufferSize, long count)
    {
        var buffer = new byte[Math.Min(bufferSize, count)];
        while (count > 0)
        {
            int n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n == 0) return;
            sink.Write(buffer, 0, n);
            count -= n;
        }
    }
}
