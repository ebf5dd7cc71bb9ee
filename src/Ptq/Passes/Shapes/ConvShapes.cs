namespace Ptq.Passes.Shapes;

/// <summary>Output shapes of Conv, ConvTranspose and the windowed pools: batch and channels, then the spatial arithmetic of the ONNX spec.</summary>
internal static class ConvShapes
{
    /// <summary>[N, M, spatial…] with M the weight's first dim; spatial from kernel, strides, dilations, pads or auto_pad.</summary>
    public static Dim[]? Conv(NodeContext c)
    {
        if (c.Shape(0) is not { Length: > 2 } x)
            return null;
        var w = c.Shape(c.Node.OpType == "QLinearConv" ? 3 : 1);
        long[]? kernel = c.Node.GetInts("kernel_shape") ?? (w is { } wd && wd.Skip(2).All(d => d.IsKnown) ? [.. wd.Skip(2).Select(d => d.Value!.Value)] : null);
        return [x[0], w is { Length: > 0 } ? w[0] : Dim.Unknown, .. Spatial(c, x, kernel, ceil: false)];
    }

    /// <summary>[N, C, spatial…] for MaxPool/AveragePool/LpPool (ceil_mode honoured).</summary>
    public static Dim[]? Pool(NodeContext c)
    {
        if (c.Shape(0) is not { Length: > 2 } x)
            return null;
        return [x[0], x[1], .. Spatial(c, x, c.Node.GetInts("kernel_shape"), ceil: c.Node.GetInt("ceil_mode", 0) != 0)];
    }

    /// <summary>[N, W[1]·group, spatial…] from output_shape, or stride·(in−1) + output_padding + (k−1)·d + 1 − pads.</summary>
    public static Dim[]? ConvTranspose(NodeContext c)
    {
        if (c.Shape(0) is not { Length: > 2 } x)
            return null;
        var w = c.Shape(1);
        int spatial = x.Length - 2;
        Dim channels = w is { Length: > 1 } && w[1].Value is long m ? Dim.Of(m * c.Node.GetInt("group", 1)) : Dim.Unknown;
        if (c.Node.GetInts("output_shape") is { } outputShape && outputShape.Length == spatial)
            return [x[0], channels, .. outputShape.Select(Dim.Of)];
        long[]? kernel = c.Node.GetInts("kernel_shape") ?? (w is { } wd && wd.Skip(2).All(d => d.IsKnown) ? [.. wd.Skip(2).Select(d => d.Value!.Value)] : null);
        long[] strides = Ints(c, "strides", spatial, 1), dilations = Ints(c, "dilations", spatial, 1), outputPadding = Ints(c, "output_padding", spatial, 0);
        string autoPad = c.Node.GetString("auto_pad", "NOTSET");
        long[] pads = Ints(c, "pads", 2 * spatial, 0);
        var result = new Dim[spatial];
        for (int i = 0; i < spatial; i++)
        {
            if (x[i + 2].Value is not long size || kernel is null || kernel.Length != spatial)
                result[i] = Dim.Unknown;
            else if (autoPad is "SAME_UPPER" or "SAME_LOWER")
                result[i] = Dim.Of(size * strides[i]);
            else
                result[i] = Dim.Of(strides[i] * (size - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
                    - (autoPad == "VALID" ? 0 : pads[i] + pads[i + spatial]));
        }
        return [x[0], channels, .. result];
    }

    private static Dim[] Spatial(NodeContext c, Dim[] x, long[]? kernel, bool ceil)
    {
        int spatial = x.Length - 2;
        long[] strides = Ints(c, "strides", spatial, 1), dilations = Ints(c, "dilations", spatial, 1), pads = Ints(c, "pads", 2 * spatial, 0);
        string autoPad = c.Node.GetString("auto_pad", "NOTSET");
        var result = new Dim[spatial];
        for (int i = 0; i < spatial; i++)
        {
            bool same = autoPad is "SAME_UPPER" or "SAME_LOWER";
            if (!same && (kernel is null || kernel.Length != spatial))
            {
                result[i] = Dim.Unknown;
                continue;
            }
            if (x[i + 2].Value is not long size)
            {
                // A run-time size survives a stride-1 window whose padding makes up for the kernel.
                bool keeps = strides[i] == 1 && (same || (autoPad != "VALID" && pads[i] + pads[i + spatial] == (kernel![i] - 1) * dilations[i]));
                result[i] = keeps ? x[i + 2] : Dim.Unknown;
                continue;
            }
            if (same)
            {
                result[i] = Dim.Of((size + strides[i] - 1) / strides[i]);
                continue;
            }
            long padded = size + (autoPad == "VALID" ? 0 : pads[i] + pads[i + spatial]);
            long span = padded - (kernel![i] - 1) * dilations[i] - 1;
            if (span < 0)
            {
                result[i] = Dim.Unknown;
                continue;
            }
            long steps = ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i];
            // With ceil_mode the last window must start inside the input or its leading pad.
            if (ceil && steps * strides[i] >= size + pads[i])
                steps--;
            result[i] = Dim.Of(steps + 1);
        }
        return result;
    }

    private static long[] Ints(NodeContext c, string name, int count, long fallback) =>
        c.Node.GetInts(name) is { } values && values.Length == count ? values : [.. Enumerable.Repeat(fallback, count)];
}
