using Ptq.Data;

namespace Ptq.Recipes;

/// <summary>Value equality of <see cref="ImagePreprocessing"/> (whose lists compare by reference in the record's own equality).</summary>
internal static class PreprocessingEquality
{
    public static bool Equal(ImagePreprocessing a, ImagePreprocessing b) =>
        a.Resize == b.Resize && a.ResizeShort == b.ResizeShort && a.ResizeMethod == b.ResizeMethod && a.Crop == b.Crop
        && a.Color == b.Color && Same(a.Mean, b.Mean) && Same(a.Std, b.Std) && Same(a.Scale, b.Scale)
        && a.Multiply == b.Multiply && a.Layout == b.Layout;

    private static bool Same(IReadOnlyList<float>? x, IReadOnlyList<float>? y) =>
        x is null ? y is null : y is not null && x.SequenceEqual(y);
}
