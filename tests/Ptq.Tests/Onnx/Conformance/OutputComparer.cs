using Ptq.Onnx;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Onnx.Conformance;

/// <summary>
/// Compares ORT outputs with expected tensors as the ONNX backend tests do: floating types within
/// rtol 1e-3 / atol 1e-5 (NaN equals NaN), every other type exactly; element type and shape must agree.
/// </summary>
internal static class OutputComparer
{
    public const double RelativeTolerance = 1e-3;
    public const double AbsoluteTolerance = 1e-5;

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else the first difference.</summary>
    public static string? Difference(string name, TensorValue expected, TensorValue actual)
    {
        if (expected.DataType != actual.DataType)
            return $"'{name}': type {OnnxDataType.Name(actual.DataType)}, expected {OnnxDataType.Name(expected.DataType)}";
        if (!expected.Shape.SequenceEqual(actual.Shape))
            return $"'{name}': shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]";
        if (expected.Strings is { } strings)
            return strings.SequenceEqual(actual.Strings!, StringComparer.Ordinal) ? null : $"'{name}': strings differ";
        if (!IsFloating(expected.DataType))
            return expected.Raw.AsSpan().SequenceEqual(actual.Raw) ? null : $"'{name}': values differ";
        float[] e = expected.ToFloats(), a = actual.ToFloats();
        for (int i = 0; i < e.Length; i++)
        {
            if (float.IsNaN(e[i]) && float.IsNaN(a[i]))
                continue;
            if (e[i] == a[i])
                continue;
            if (!(Math.Abs((double)e[i] - a[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs((double)e[i])))
                return $"'{name}'[{i}]: {a[i]}, expected {e[i]}";
        }
        return null;
    }

    /// <summary>True when the two results hold byte-identical tensors under the same names.</summary>
    public static bool BitIdentical(IReadOnlyDictionary<string, TensorValue> a, IReadOnlyDictionary<string, TensorValue> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && Same(kv.Value, other));

    private static bool Same(TensorValue a, TensorValue b) =>
        a.DataType == b.DataType && a.Shape.SequenceEqual(b.Shape)
        && (a.Strings is { } s ? s.SequenceEqual(b.Strings!, StringComparer.Ordinal) : a.Raw.AsSpan().SequenceEqual(b.Raw));

    private static bool IsFloating(int dataType) => (DT)dataType is DT.Float or DT.Double or DT.Float16 or DT.Bfloat16;
}
