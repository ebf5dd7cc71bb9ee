using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Tests.Onnx;

/// <summary>
/// <see cref="TensorData.ToFloatsTransposed"/> reads a 2-D weight in slices of rows (a few per megabyte of values) and
/// must give exactly the transpose, from inline raw data and from external data, across slice boundaries.
/// </summary>
public sealed class TransposedReadTests
{
    [Theory]
    [InlineData(7, 300_000)] // three rows per slice: slices of 3, 3 and 1 rows
    [InlineData(5, 3)]       // one slice
    public void InlineAndExternalGiveTheExactTranspose(int rows, int cols)
    {
        var random = new Random(rows * 31 + cols);
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)random.NextDouble();
        var expected = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                expected[c * rows + r] = values[r * cols + c];

        var inline = TensorData.FromFloats("W", [rows, cols], values);
        Assert.Equal(expected, TensorData.ToFloatsTransposed(inline));

        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.File("w.bin"), [.. new byte[64], .. inline.RawData.ToByteArray()]);
        var external = new TensorProto { Name = "W", DataType = (int)TensorProto.Types.DataType.Float };
        external.Dims.AddRange([rows, cols]);
        new ExternalDataInfo("w.bin", 64, inline.RawData.Length).ApplyTo(external);
        using var reader = new ExternalDataReader(temp.Path);
        Assert.Equal(expected, TensorData.ToFloatsTransposed(external, reader));
        Assert.Equal(values, TensorData.ToFloats(external, reader));
        Assert.Equal(values.AsSpan(cols, cols).ToArray(), TensorData.ReadFloatRows(external, cols, cols, reader));
    }
}
