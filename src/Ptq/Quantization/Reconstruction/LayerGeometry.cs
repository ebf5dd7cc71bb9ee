using Ptq.Graph;

namespace Ptq.Quantization.Reconstruction;

/// <summary>
/// How a layer's weight becomes matrices of rows (output channels) × columns (the input values one output reads), one
/// per group, and how its input tensor becomes columns of patches: the im2col view of Conv (grouped and depthwise
/// included) and ConvTranspose, the rows of a Gemm or MatMul input. Reconstruction works on these matrices only.
/// </summary>
internal abstract class LayerGeometry
{
    protected LayerGeometry(int groups, int rows, int columns, int axis)
    {
        Groups = groups;
        Rows = rows;
        Columns = columns;
        Axis = axis;
    }

    /// <summary>Independent groups (Conv/ConvTranspose <c>group</c>; 1 otherwise).</summary>
    public int Groups { get; }

    /// <summary>Output channels per group.</summary>
    public int Rows { get; }

    /// <summary>Input values per output (columns of a group's matrix).</summary>
    public int Columns { get; }

    /// <summary>The weight axis of output channels, which per-channel parameters must use for a row to have one scale.</summary>
    public int Axis { get; }

    /// <summary>Flat index into the weight tensor of (group, row, column).</summary>
    public abstract int WeightIndex(int group, int row, int column);

    /// <summary>The index along <see cref="Axis"/> of a group's row (its per-channel parameters).</summary>
    public abstract int Channel(int group, int row);

    /// <summary>The output channel of a group's row (its bias).</summary>
    public int Output(int group, int row) => group * Rows + row;

    /// <summary>Patches one input tensor of shape <paramref name="shape"/> holds (output positions, batch included).</summary>
    public abstract long Positions(ReadOnlySpan<long> shape);

    /// <summary>Writes the <see cref="Columns"/> input values that output position <paramref name="position"/> of <paramref name="group"/> reads (zeros for padding).</summary>
    public abstract void Patch(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, int group, long position, Span<float> patch);

    /// <summary>A group's weights as a rows × columns matrix.</summary>
    public float[] Matrix(ReadOnlySpan<float> weight, int group)
    {
        var matrix = new float[Rows * Columns];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
                matrix[r * Columns + c] = weight[WeightIndex(group, r, c)];
        return matrix;
    }

    /// <summary>
    /// The geometry of <paramref name="node"/> with a weight of <paramref name="weightDims"/>, or null with
    /// <paramref name="reason"/> for what reconstruction does not cover (3-D convolutions, ConvTranspose with
    /// auto_pad or output_shape, batched MatMul weights).
    /// </summary>
    public static LayerGeometry? For(Node node, ReadOnlySpan<long> weightDims, out string? reason)
    {
        reason = null;
        switch (node.OpType)
        {
            case "Conv" or "ConvTranspose" when weightDims.Length is 3 or 4:
                var window = ConvWindow.Of(node, weightDims, out reason);
                if (window is null)
                    return null;
                return node.OpType == "Conv" ? new ConvGeometry(window, weightDims) : new ConvTransposeGeometry(window, weightDims);
            case "Gemm" when weightDims.Length == 2:
                bool transB = node.GetInt("transB", 0) == 1;
                return new MatrixGeometry(rows: (int)weightDims[transB ? 0 : 1], columns: (int)weightDims[transB ? 1 : 0], transposedWeight: transB,
                    transposedInput: node.GetInt("transA", 0) == 1, axis: transB ? 0 : 1);
            case "MatMul" when weightDims.Length == 2:
                return new MatrixGeometry(rows: (int)weightDims[1], columns: (int)weightDims[0], transposedWeight: false, transposedInput: false, axis: 1);
            default:
                reason = $"{node.OpType} with a {weightDims.Length}-D weight is not covered";
                return null;
        }
    }
}

/// <summary>Rows of a 2-D input [M, K] (or columns with transA), or of any [..., K] MatMul input.</summary>
internal sealed class MatrixGeometry(int rows, int columns, bool transposedWeight, bool transposedInput, int axis)
    : LayerGeometry(1, rows, columns, axis)
{
    public override int WeightIndex(int group, int row, int column) => transposedWeight ? row * Columns + column : column * Rows + row;

    public override int Channel(int group, int row) => row;

    public override long Positions(ReadOnlySpan<long> shape)
    {
        long total = 1;
        foreach (long d in shape)
            total *= d;
        return total / Columns;
    }

    public override void Patch(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, int group, long position, Span<float> patch)
    {
        if (!transposedInput)
        {
            input.Slice((int)(position * Columns), Columns).CopyTo(patch);
            return;
        }
        long m = shape[1];
        for (int c = 0; c < Columns; c++)
            patch[c] = input[(int)(c * m + position)];
    }
}

/// <summary>Convolution window attributes, with 1-D convolutions seen as 2-D ones of height 1.</summary>
internal sealed record ConvWindow(int Group, int KernelH, int KernelW, int StrideH, int StrideW, int DilationH, int DilationW,
    int PadTop, int PadLeft, int PadBottom, int PadRight, int OutputPaddingH, int OutputPaddingW, string AutoPad)
{
    public static ConvWindow? Of(Node node, ReadOnlySpan<long> weightDims, out string? reason)
    {
        reason = null;
        string autoPad = node.GetString("auto_pad", "NOTSET");
        if (node.OpType == "ConvTranspose" && (autoPad is not ("NOTSET" or "VALID") || node.GetInts("output_shape") is not null))
        {
            reason = "ConvTranspose with auto_pad or output_shape is not covered";
            return null;
        }
        int spatial = weightDims.Length - 2;
        long[] Ints(string name, int count, long fallback) => node.GetInts(name) is { Length: > 0 } v ? v : [.. Enumerable.Repeat(fallback, count)];
        var s = Ints("strides", spatial, 1);
        var d = Ints("dilations", spatial, 1);
        var p = Ints("pads", 2 * spatial, 0);
        var op = Ints("output_padding", spatial, 0);
        int group = (int)node.GetInt("group", 1);
        return spatial == 1
            ? new ConvWindow(group, 1, (int)weightDims[2], 1, (int)s[0], 1, (int)d[0], 0, (int)p[0], 0, (int)p[1], 0, (int)op[0], autoPad)
            : new ConvWindow(group, (int)weightDims[2], (int)weightDims[3], (int)s[0], (int)s[1], (int)d[0], (int)d[1],
                (int)p[0], (int)p[1], (int)p[2], (int)p[3], (int)op[0], (int)op[1], autoPad);
    }

    /// <summary>Input height and width of an NCHW or NCL shape.</summary>
    public static (int H, int W) Spatial(ReadOnlySpan<long> shape) => shape.Length == 3 ? (1, (int)shape[2]) : ((int)shape[2], (int)shape[3]);

    /// <summary>Padding before the input along one axis, SAME padding included.</summary>
    public int PadBefore(int input, int kernel, int stride, int dilation, int explicitPad)
    {
        if (AutoPad is not ("SAME_UPPER" or "SAME_LOWER"))
            return AutoPad == "VALID" ? 0 : explicitPad;
        int output = (input + stride - 1) / stride;
        int total = Math.Max(0, (output - 1) * stride + (kernel - 1) * dilation + 1 - input);
        return AutoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
    }
}

/// <summary>Conv: output (o, y, x) reads input (g·C/g + c, y·s − p + i·d, x·s − p + j·d) through W[o, c, i, j].</summary>
internal sealed class ConvGeometry(ConvWindow window, ReadOnlySpan<long> dims)
    : LayerGeometry(window.Group, (int)dims[0] / window.Group, (int)dims[1] * window.KernelH * window.KernelW, 0)
{
    private readonly int _inPerGroup = (int)dims[1];

    public override int WeightIndex(int group, int row, int column) => (group * Rows + row) * Columns + column;

    public override int Channel(int group, int row) => group * Rows + row;

    public override long Positions(ReadOnlySpan<long> shape)
    {
        var (outH, outW) = OutputSize(shape);
        return shape[0] * outH * outW;
    }

    public override void Patch(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, int group, long position, Span<float> patch)
    {
        var w = window;
        var (h, wi) = ConvWindow.Spatial(shape);
        var (outH, outW) = OutputSize(shape);
        long n = position / ((long)outH * outW);
        int oy = (int)(position / outW % outH), ox = (int)(position % outW);
        int top = w.PadBefore(h, w.KernelH, w.StrideH, w.DilationH, w.PadTop), left = w.PadBefore(wi, w.KernelW, w.StrideW, w.DilationW, w.PadLeft);
        int column = 0;
        for (int c = 0; c < _inPerGroup; c++)
        {
            long plane = (n * shape[1] + group * _inPerGroup + c) * h * wi;
            for (int i = 0; i < w.KernelH; i++)
            {
                int y = oy * w.StrideH - top + i * w.DilationH;
                for (int j = 0; j < w.KernelW; j++, column++)
                {
                    int x = ox * w.StrideW - left + j * w.DilationW;
                    patch[column] = y >= 0 && y < h && x >= 0 && x < wi ? input[(int)(plane + (long)y * wi + x)] : 0;
                }
            }
        }
    }

    private (int H, int W) OutputSize(ReadOnlySpan<long> shape)
    {
        var w = window;
        var (h, wi) = ConvWindow.Spatial(shape);
        int Size(int input, int kernel, int stride, int dilation, int before, int after) =>
            w.AutoPad is "SAME_UPPER" or "SAME_LOWER" ? (input + stride - 1) / stride
            : (input + (w.AutoPad == "VALID" ? 0 : before + after) - (kernel - 1) * dilation - 1) / stride + 1;
        return (Size(h, w.KernelH, w.StrideH, w.DilationH, w.PadTop, w.PadBottom), Size(wi, w.KernelW, w.StrideW, w.DilationW, w.PadLeft, w.PadRight));
    }
}

/// <summary>
/// ConvTranspose: output (o, y, x) of group g reads input (g·C/g + c, (y + p − i·d) / s, …) through W[g·C/g + c, o, i, j]
/// wherever the division is exact and lands inside the input.
/// </summary>
internal sealed class ConvTransposeGeometry(ConvWindow window, ReadOnlySpan<long> dims)
    : LayerGeometry(window.Group, (int)dims[1], (int)dims[0] / window.Group * window.KernelH * window.KernelW, 1)
{
    private readonly int _inPerGroup = (int)dims[0] / window.Group;

    public override int WeightIndex(int group, int row, int column)
    {
        int kernel = window.KernelH * window.KernelW;
        int c = column / kernel, k = column % kernel;
        return ((group * _inPerGroup + c) * Rows + row) * kernel + k;
    }

    public override int Channel(int group, int row) => row;

    public override long Positions(ReadOnlySpan<long> shape)
    {
        var (outH, outW) = OutputSize(shape);
        return shape[0] * outH * outW;
    }

    public override void Patch(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, int group, long position, Span<float> patch)
    {
        var w = window;
        var (h, wi) = ConvWindow.Spatial(shape);
        var (outH, outW) = OutputSize(shape);
        long n = position / ((long)outH * outW);
        int oy = (int)(position / outW % outH), ox = (int)(position % outW);
        int top = w.AutoPad == "VALID" ? 0 : w.PadTop, left = w.AutoPad == "VALID" ? 0 : w.PadLeft;
        int column = 0;
        for (int c = 0; c < _inPerGroup; c++)
        {
            long plane = (n * shape[1] + group * _inPerGroup + c) * h * wi;
            for (int i = 0; i < w.KernelH; i++)
            {
                int ty = oy + top - i * w.DilationH;
                int y = ty >= 0 && ty % w.StrideH == 0 ? ty / w.StrideH : -1;
                for (int j = 0; j < w.KernelW; j++, column++)
                {
                    int tx = ox + left - j * w.DilationW;
                    int x = tx >= 0 && tx % w.StrideW == 0 ? tx / w.StrideW : -1;
                    patch[column] = y >= 0 && y < h && x >= 0 && x < wi ? input[(int)(plane + (long)y * wi + x)] : 0;
                }
            }
        }
    }

    private (int H, int W) OutputSize(ReadOnlySpan<long> shape)
    {
        var w = window;
        var (h, wi) = ConvWindow.Spatial(shape);
        bool valid = w.AutoPad == "VALID";
        return (w.StrideH * (h - 1) + w.OutputPaddingH + (w.KernelH - 1) * w.DilationH + 1 - (valid ? 0 : w.PadTop + w.PadBottom),
            w.StrideW * (wi - 1) + w.OutputPaddingW + (w.KernelW - 1) * w.DilationW + 1 - (valid ? 0 : w.PadLeft + w.PadRight));
    }
}
