namespace Ptq.Data;

/// <summary>
/// A dense, row-major (C order) tensor for one model input. <see cref="Data"/> is a one-dimensional array whose
/// CLR element type matches <see cref="ElementType"/> (see <see cref="InputElementTypes.ClrType"/>).
/// </summary>
public sealed class InputTensor
{
    private readonly int[] _dims;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor.</summary>
    /// <exception cref="ArgumentException">
    /// When the array's element type does not match <paramref name="elementType"/>, a dimension is negative,
    /// or the array length differs from the product of <paramref name="dims"/>.
    /// </exception>
    internal InputTensor(string name, InputElementType elementType, int[] dims, Array data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetType().GetElementType() != elementType.ClrType() || data.Rank != 1)
            throw new ArgumentException($"Tensor '{name}': data is {data.GetType().Name} but element type {elementType} needs {elementType.ClrType().Name}[].", nameof(data));
        long count = 1;
        foreach (int d in dims)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{name}': negative dimension in [{string.Join(",", dims)}].", nameof(dims));
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"Tensor '{name}': shape [{string.Join(",", dims)}] holds {count} elements but data has {data.Length}.", nameof(data));
        Name = name;
        ElementType = elementType;
        _dims = (int[])dims.Clone();
        Data = data;
    }

    /// <summary>The model input this tensor feeds.</summary>
    public string Name { get; }

    /// <summary>Element type of <see cref="Data"/>.</summary>
    internal InputElementType ElementType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <summary>The elements in C order; a <c>float[]</c>, <c>Half[]</c>, <c>double[]</c>, <c>long[]</c>, <c>int[]</c>, <c>byte[]</c>, <c>sbyte[]</c> or <c>bool[]</c>.</summary>
    public Array Data { get; }

    /// <summary>Number of elements (product of <see cref="Dims"/>).</summary>
    public int ElementCount => Data.Length;

    /// <summary>A copy of the dimensions as an array.</summary>
    public int[] GetDims() => (int[])_dims.Clone();

    /// <summary>The elements converted to <c>float</c> (a new array; the same array when already float32). Bool maps to 0/1.</summary>
    public float[] ToFloatArray() => TensorConvert.ToFloat(Data);

    /// <summary>
    /// Builds a tensor of <paramref name="elementType"/> from float values: exact for float types, rounded to nearest
    /// (ties to even) and saturated to the type's range for integer types, non-zero → true for bool.
    /// </summary>
    /// <exception cref="ArgumentException">When the value count differs from the product of <paramref name="dims"/>.</exception>
    internal static InputTensor FromFloats(string name, InputElementType elementType, int[] dims, float[] values) =>
        new(name, elementType, dims, TensorConvert.FromFloat(values, elementType));

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {ElementType} [{string.Join(",", _dims)}]";
}
