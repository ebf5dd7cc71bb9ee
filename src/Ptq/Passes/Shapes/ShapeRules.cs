namespace Ptq.Passes.Shapes;

/// <summary>
/// Output shapes of the default-domain ops, as far as they follow from the input shapes, attributes and tracked
/// constants; any opset from 1 (attributes later moved to inputs are read from either place). Null for an op or a
/// case not covered: callers then know nothing, which is always safe.
/// </summary>
internal static class ShapeRules
{
    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "Abs", "Neg", "Floor", "Ceil", "Round", "Sign", "Sqrt", "Exp", "Log", "Reciprocal", "Erf", "Not", "IsNaN", "IsInf",
        "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign",
        "ThresholdedRelu", "Gelu", "Mish", "Shrink", "Clip", "Cast", "CastLike", "Identity", "Dropout",
        "Softmax", "LogSoftmax", "Hardmax", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN",
        "LpNormalization", "MeanVarianceNormalization", "QuantizeLinear", "DequantizeLinear", "CumSum",
        "Affine", "Scale", "ScaledTanh", "ParametricSoftplus", "ImageScaler",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "And", "Or", "Xor", "BitShift", "Equal", "Greater", "Less",
        "GreaterOrEqual", "LessOrEqual", "Max", "Min", "Sum", "Mean", "Where",
    };

    /// <summary>The shape of each output of the node (entries may be null), or null when the op is not covered.</summary>
    public static Dim[]?[]? Infer(NodeContext c)
    {
        string op = c.Node.OpType;
        if (SameShape.Contains(op))
            return Repeat(c.Shape(0), op is "BatchNormalization" or "LayerNormalization" ? 1 : c.Node.Outputs.Count);
        if (op == "PRelu")
            return [c.Opset < 7 ? c.Shape(0) : Broadcast([c.Shape(0), c.Shape(1)])];
        if (Broadcasting.Contains(op))
            // Before opset 7 a broadcasting B (broadcast=1) always took A's shape.
            return [c.Node.Attribute("broadcast") is not null ? c.Shape(0) : Broadcast([.. Enumerable.Range(0, c.Node.Inputs.Count).Select(c.Shape)])];
        return op switch
        {
            "Conv" or "ConvInteger" or "QLinearConv" => One(ConvShapes.Conv(c)),
            "ConvTranspose" => One(ConvShapes.ConvTranspose(c)),
            "MaxPool" or "AveragePool" or "LpPool" => Repeat(ConvShapes.Pool(c), c.Node.Outputs.Count),
            "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool" => One(c.Shape(0) is { Length: >= 2 } x ? [x[0], x[1], .. x.Skip(2).Select(_ => Dim.Of(1))] : null),
            "Gemm" => One(Gemm(c)),
            "MatMul" or "MatMulInteger" => One(MatMul(c.Shape(0), c.Shape(1))),
            "Flatten" => One(Flatten(c)),
            "Reshape" => One(Reshape(c)),
            "Transpose" => One(Transpose(c)),
            "Squeeze" => One(Squeeze(c)),
            "Unsqueeze" => One(Unsqueeze(c)),
            "Concat" => One(Concat(c)),
            "Split" => Split(c),
            "Slice" => One(Slice(c)),
            "Pad" => One(Pad(c)),
            "Gather" => One(Gather(c)),
            "Shape" => One(c.Shape(0) is { } x ? [Dim.Of(ShapeOf(c, x).Length)] : null),
            "Size" => One([]),
            "ConstantOfShape" => One(c.Values(0)),
            "Expand" => One(Expand(c)),
            "Tile" => One(c.Shape(0) is { } x && c.Ints(1) is { } repeats && repeats.Length == x.Length
                ? [.. x.Select((d, i) => repeats[i] == 1 ? d : d.Value is long v ? Dim.Of(v * repeats[i]) : Dim.Unknown)] : null),
            "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2" or "ReduceLogSum"
                or "ReduceLogSumExp" or "ReduceSumSquare" => One(Reduce(c, c.IntsFrom("axes", 1))),
            "ArgMax" or "ArgMin" => One(Reduce(c, [c.Node.GetInt("axis", 0)])),
            "TopK" => TopK(c),
            "Upsample" or "Resize" => One(Resize(c)),
            "Crop" => One(Crop(c)),
            "DepthToSpace" or "SpaceToDepth" => One(DepthToSpace(c)),
            _ => null,
        };
    }

    /// <summary>The elements of output 0 when it is a small integer tensor derived from shapes (Shape, Gather, Concat …).</summary>
    public static Dim[]? Values(NodeContext c) => c.Node.OpType switch
    {
        "Shape" => c.Shape(0) is { } x ? ShapeOf(c, x) : null,
        "Identity" or "Cast" => c.Values(0),
        // Values are tracked for 0-D and 1-D tensors only: a scalar made 1-D, a [1] made scalar, 1-D pieces joined.
        "Unsqueeze" => c.Shape(0) is [] ? c.Values(0) : null,
        "Squeeze" => c.Shape(0) is [_] ? c.Values(0) : null,
        "Concat" => Enumerable.Range(0, c.Node.Inputs.Count).Select(i => c.Shape(i) is [_] ? c.Values(i) : null).ToList() is var parts
            && parts.All(p => p is not null) ? [.. parts.SelectMany(p => p!)] : null,
        "Gather" when c.Node.GetInt("axis", 0) == 0 && c.Values(0) is { } data && c.Ints(1) is { } indices =>
            indices.All(i => i >= -data.Length && i < data.Length) ? [.. indices.Select(i => data[i < 0 ? i + data.Length : i])] : null,
        "Slice" when c.Values(0) is { } data && SliceRange(c, 0, Dim.Of(data.Length)) is ({ } start, { } end, 1) =>
            start < end ? data[(int)start..(int)end] : [],
        _ => null,
    };

    private static Dim[]?[] One(Dim[]? shape) => [shape];

    private static Dim[]?[] Repeat(Dim[]? shape, int count) => [.. Enumerable.Repeat(shape, Math.Max(1, count))];

    /// <summary>Numpy broadcasting; null when a rank is unknown. Mismatched known sizes give an unknown dim.</summary>
    public static Dim[]? Broadcast(IReadOnlyList<Dim[]?> shapes)
    {
        if (shapes.Count == 0 || shapes.Any(s => s is null))
            return null;
        int rank = shapes.Max(s => s!.Length);
        var result = new Dim[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            Dim? merged = null;
            foreach (var shape in shapes)
            {
                int i = axis - (rank - shape!.Length);
                if (i < 0)
                    continue;
                merged = merged is { } m ? MergeBroadcast(m, shape[i]) : shape[i];
            }
            result[axis] = merged ?? Dim.Of(1);
        }
        return result;
    }

    private static Dim MergeBroadcast(Dim a, Dim b)
    {
        if (a.Is(1)) return b;
        if (b.Is(1) || a == b) return a;
        // A size other than 1 wins over a dim that must then be 1 or equal to it.
        if (a.Value > 1 && !b.IsKnown) return a;
        if (b.Value > 1 && !a.IsKnown) return b;
        return Dim.Unknown;
    }

    private static Dim[]? Expand(NodeContext c)
    {
        if (c.Values(1) is { } target)
            return Broadcast([c.Shape(0), target]);
        // A target computed at run time still fixes the rank when its length is known.
        return c.Shape(0) is { } x && c.Shape(1) is [{ Value: long length }] ? [.. Enumerable.Repeat(Dim.Unknown, (int)Math.Max(length, x.Length))] : null;
    }

    private static Dim[]? Gemm(NodeContext c)
    {
        if (c.Shape(0) is not { Length: 2 } a || c.Shape(1) is not { Length: 2 } b)
            return null;
        return [c.Node.GetInt("transA", 0) != 0 ? a[1] : a[0], c.Node.GetInt("transB", 0) != 0 ? b[0] : b[1]];
    }

    private static Dim[]? MatMul(Dim[]? a, Dim[]? b)
    {
        if (a is not { Length: > 0 } || b is not { Length: > 0 })
            return null;
        if (a.Length == 1 && b.Length == 1)
            return [];
        if (a.Length == 1)
            return [.. b[..^2], b[^1]];
        if (b.Length == 1)
            return a[..^1];
        return Broadcast([a[..^2], b[..^2]]) is { } batch ? [.. batch, a[^2], b[^1]] : null;
    }

    private static Dim[]? Flatten(NodeContext c)
    {
        // Flatten's axis may equal the rank; a negative one counts from the rank (-1 leaves the last dim alone).
        if (c.Shape(0) is not { } x || c.Node.GetInt("axis", 1) is var raw && (raw < 0 ? raw + x.Length : raw) is var axis && (axis < 0 || axis > x.Length))
            return null;
        return [Dim.Product(x[..(int)axis]), Dim.Product(x[(int)axis..])];
    }

    private static Dim[]? Reshape(NodeContext c)
    {
        var target = c.Opset < 5 ? c.Node.GetInts("shape")?.Select(Dim.Of).ToArray() : c.Values(1);
        if (target is null)
            return null;
        var x = c.Shape(0);
        bool allowZero = c.Node.GetInt("allowzero", 0) != 0;
        var result = new Dim[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i].Is(-1))
                inferred = i;
            else if (target[i].Is(0) && !allowZero)
                result[i] = x is not null && i < x.Length ? x[i] : Dim.Unknown;
            else
                result[i] = target[i];
        }
        if (inferred >= 0)
            result[inferred] = x is null ? Dim.Unknown : Dim.Quotient(x, result.Where((_, i) => i != inferred));
        return result;
    }

    private static Dim[]? Transpose(NodeContext c)
    {
        if (c.Shape(0) is not { } x)
            return null;
        long[] perm = c.Node.GetInts("perm") ?? [.. Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i)];
        return perm.Length == x.Length && perm.All(p => p >= 0 && p < x.Length) ? [.. perm.Select(p => x[p])] : null;
    }

    private static Dim[]? Squeeze(NodeContext c)
    {
        if (c.Shape(0) is not { } x)
            return null;
        if (c.IntsFrom("axes", 1) is not { } axes)
            return !c.Has(1) && x.All(d => d.IsKnown) ? [.. x.Where(d => !d.Is(1))] : null;
        var drop = axes.Select(a => NodeContext.Axis(a, x.Length)).ToList();
        return drop.Any(a => a is null) ? null : [.. x.Where((_, i) => !drop.Contains(i))];
    }

    private static Dim[]? Unsqueeze(NodeContext c)
    {
        if (c.Shape(0) is not { } x || c.IntsFrom("axes", 1) is not { } axes)
            return null;
        int rank = x.Length + axes.Length;
        var inserted = axes.Select(a => NodeContext.Axis(a, rank)).ToList();
        if (inserted.Any(a => a is null))
            return null;
        var result = new Dim[rank];
        int next = 0;
        for (int i = 0; i < rank; i++)
            result[i] = inserted.Contains(i) ? Dim.Of(1) : x[next++];
        return result;
    }

    private static Dim[]? Concat(NodeContext c)
    {
        var shapes = Enumerable.Range(0, c.Node.Inputs.Count).Select(c.Shape).ToList();
        if (shapes.Count == 0 || shapes.Any(s => s is null) || shapes.Any(s => s!.Length != shapes[0]!.Length)
            || NodeContext.Axis(c.Node.GetInt("axis", 1), shapes[0]!.Length) is not int axis)
            return null;
        var result = (Dim[])shapes[0]!.Clone();
        for (int i = 0; i < result.Length; i++)
        {
            if (i == axis)
                result[i] = shapes.All(s => s![i].IsKnown) ? Dim.Of(shapes.Sum(s => s![i].Value!.Value)) : Dim.Unknown;
            else if (!result[i].IsKnown)
                result[i] = shapes.Select(s => s![i]).FirstOrDefault(d => d.IsKnown, result[i]);
        }
        return result;
    }

    private static Dim[]?[]? Split(NodeContext c)
    {
        int count = c.Node.Outputs.Count;
        if (c.Shape(0) is not { } x || NodeContext.Axis(c.Node.GetInt("axis", 0), x.Length) is not int axis)
            return null;
        long[]? sizes = c.IntsFrom("split", 1);
        if (sizes is null && !c.Has(1) && x[axis].Value is long total && total % count == 0)
            sizes = [.. Enumerable.Repeat(total / count, count)];
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var part = (Dim[])x.Clone();
            part[axis] = sizes is not null && i < sizes.Length ? Dim.Of(sizes[i]) : Dim.Unknown;
            return part;
        })];
    }

    private static Dim[]? Slice(NodeContext c)
    {
        if (c.Shape(0) is not { } x)
            return null;
        long[]? axes = c.Opset < 10 ? c.Node.GetInts("axes") : c.Ints(3);
        int count = (c.Opset < 10 ? c.Node.GetInts("starts") : c.Ints(1))?.Length ?? -1;
        if (count < 0)
            return [.. x.Select(_ => Dim.Unknown)];
        axes ??= [.. Enumerable.Range(0, count).Select(i => (long)i)];
        var result = (Dim[])x.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            if (NodeContext.Axis(axes[i], x.Length) is not int axis)
                return null;
            result[axis] = SliceRange(c, i, x[axis]) switch
            {
                ({ } start, { } end, long step) when step > 0 => Dim.Of(Math.Max(0, (end - start + step - 1) / step)),
                ({ } start, { } end, long step) when step < 0 => Dim.Of(Math.Max(0, (start - end - step - 1) / -step)),
                (0, null, 1) => x[axis], // the whole axis, whatever its size
                _ => Dim.Unknown,
            };
        }
        return result;
    }

    /// <summary>
    /// Start and end of slice entry <paramref name="i"/> clamped to <paramref name="dim"/> (null when the dim is not a
    /// number; an end at or past any size reads as (0, null, 1) for "everything"), and the step.
    /// </summary>
    private static (long? Start, long? End, long Step) SliceRange(NodeContext c, int i, Dim dim)
    {
        long[]? starts = c.Opset < 10 ? c.Node.GetInts("starts") : c.Ints(1);
        long[]? ends = c.Opset < 10 ? c.Node.GetInts("ends") : c.Ints(2);
        long[]? steps = c.Opset < 10 ? null : c.Ints(4);
        if (starts is null || ends is null || i >= starts.Length || i >= ends.Length)
            return (null, null, 0);
        long step = steps is not null && i < steps.Length ? steps[i] : 1;
        if (dim.Value is not long size)
            return starts[i] == 0 && step == 1 && ends[i] >= int.MaxValue ? (0, null, 1) : (null, null, 0);
        long Clamp(long v, long low, long high) => Math.Clamp(v < 0 ? v + size : v, low, high);
        return step > 0
            ? (Clamp(starts[i], 0, size), Clamp(ends[i], 0, size), step)
            : (Clamp(starts[i], 0, size - 1), Clamp(ends[i], -1, size - 1), step);
    }

    private static Dim[]? Pad(NodeContext c)
    {
        if (c.Shape(0) is not { } x)
            return null;
        long[]? pads = c.Node.GetInts("pads") ?? c.Node.GetInts("paddings") ?? c.Ints(1);
        if (pads is null || c.Has(3))
            return [.. x.Select(_ => Dim.Unknown)];
        if (pads.Length != 2 * x.Length)
            return null;
        return [.. x.Select((d, i) => pads[i] + pads[i + x.Length] == 0 ? d : d.Value is long v ? Dim.Of(v + pads[i] + pads[i + x.Length]) : Dim.Unknown)];
    }

    private static Dim[]? Gather(NodeContext c)
    {
        if (c.Shape(0) is not { } data || c.Shape(1) is not { } indices || NodeContext.Axis(c.Node.GetInt("axis", 0), data.Length) is not int axis)
            return null;
        return [.. data[..axis], .. indices, .. data[(axis + 1)..]];
    }

    private static Dim[] ShapeOf(NodeContext c, Dim[] x)
    {
        if (c.Opset < 15)
            return x;
        int Bound(long v) => (int)Math.Clamp(v < 0 ? v + x.Length : v, 0, x.Length);
        int start = Bound(c.Node.GetInt("start", 0)), end = Bound(c.Node.GetInt("end", x.Length));
        return start < end ? x[start..end] : [];
    }

    private static Dim[]? Reduce(NodeContext c, long[]? axes)
    {
        if (c.Shape(0) is not { } x)
            return null;
        bool keep = c.Node.GetInt("keepdims", 1) != 0;
        if (axes is null && c.Has(1))
            return keep ? [.. x.Select(_ => Dim.Unknown)] : null;
        if (axes is null or { Length: 0 } && c.Node.GetInt("noop_with_empty_axes", 0) != 0)
            return x;
        var reduced = (axes is null or { Length: 0 } ? Enumerable.Range(0, x.Length).Select(i => (int?)i) : axes.Select(a => NodeContext.Axis(a, x.Length))).ToList();
        if (reduced.Any(a => a is null))
            return null;
        return keep ? [.. x.Select((d, i) => reduced.Contains(i) ? Dim.Of(1) : d)] : [.. x.Where((_, i) => !reduced.Contains(i))];
    }

    private static Dim[]?[]? TopK(NodeContext c)
    {
        if (c.Shape(0) is not { } x || NodeContext.Axis(c.Node.GetInt("axis", -1), x.Length) is not int axis)
            return null;
        var result = (Dim[])x.Clone();
        result[axis] = c.Node.Attribute("k") is { HasI: true } k ? Dim.Of(k.I) : c.Ints(1) is [var kv] ? Dim.Of(kv) : Dim.Unknown;
        return [result, result];
    }

    private static Dim[]? Resize(NodeContext c)
    {
        if (c.Shape(0) is not { } x)
            return null;
        // Scales: Upsample-7/8 attribute, Upsample-9 and Resize-10 input 1, Resize-11+ input 2 (sizes input 3).
        bool resize11 = c.Node.OpType == "Resize" && c.Opset >= 11;
        if (resize11 && c.Values(3) is { } sizes && sizes.Length == x.Length)
            return sizes;
        float[]? scales = c.Node.OpType == "Upsample" && c.Opset < 9
            ? c.Node.Attribute("scales")?.Floats.ToArray() ?? UpsampleV1Scales(c, x.Length)
            : c.Floats(resize11 ? 2 : 1);
        if (scales is not { Length: > 0 } || scales.Length != x.Length)
            return [.. x.Select(_ => Dim.Unknown)];
        return [.. x.Select((d, i) => scales[i] == 1f ? d : d.Value is long v ? Dim.Of((long)Math.Floor(v * (double)scales[i])) : Dim.Unknown)];
    }

    private static float[]? UpsampleV1Scales(NodeContext c, int rank) =>
        rank == 4 && c.Node.Attribute("height_scale") is { HasF: true } h && c.Node.Attribute("width_scale") is { HasF: true } w ? [1f, 1f, h.F, w.F] : null;

    private static Dim[]? Crop(NodeContext c)
    {
        if (c.Shape(0) is not { Length: 4 } x || c.Node.GetInts("border") is not [var left, var top, var right, var bottom])
            return null;
        long[]? scale = c.Node.GetInts("scale");
        Dim Cropped(Dim d, long begin, long end, int i) =>
            scale is [_, _] ? Dim.Of(scale[i]) : d.Value is long v ? Dim.Of(v - begin - end) : Dim.Unknown;
        return [x[0], x[1], Cropped(x[2], top, bottom, 0), Cropped(x[3], left, right, 1)];
    }

    private static Dim[]? DepthToSpace(NodeContext c)
    {
        if (c.Shape(0) is not { Length: 4 } x || c.Node.GetInt("blocksize", 0) is not (> 0 and var b))
            return null;
        Dim Times(Dim d, long f) => d.Value is long v ? Dim.Of(v * f) : Dim.Unknown;
        Dim Over(Dim d, long f) => d.Value is long v && v % f == 0 ? Dim.Of(v / f) : Dim.Unknown;
        return c.Node.OpType == "DepthToSpace"
            ? [x[0], Over(x[1], b * b), Times(x[2], b), Times(x[3], b)]
            : [x[0], Times(x[1], b * b), Over(x[2], b), Over(x[3], b)];
    }
}
