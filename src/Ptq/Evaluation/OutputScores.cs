using Ptq.Runtime;

namespace Ptq.Evaluation;

/// <summary>How an output tensor is read as class scores.</summary>
internal static class OutputScores
{
    /// <summary>The model output to use: <paramref name="requested"/> if given, else the first output.</summary>
    /// <exception cref="EvaluationException">When <paramref name="requested"/> is not an output; the message lists the outputs.</exception>
    public static string SelectModelOutput(IReadOnlyList<string> outputs, string? requested, string modelName)
    {
        if (requested is null) return outputs[0];
        return outputs.Contains(requested, StringComparer.Ordinal)
            ? requested
            : throw new EvaluationException($"'{modelName}' has no output '{requested}'; outputs: {string.Join(", ", outputs)}.");
    }

    /// <summary>
    /// The reference output matching the model's: the same name when the reference has it (quantizers keep output names),
    /// else the output at the same position.
    /// </summary>
    /// <exception cref="EvaluationException">When neither exists.</exception>
    public static string SelectReferenceOutput(IReadOnlyList<string> outputs, string modelOutput, int modelPosition, string referenceName)
    {
        if (outputs.Contains(modelOutput, StringComparer.Ordinal)) return modelOutput;
        return modelPosition < outputs.Count
            ? outputs[modelPosition]
            : throw new EvaluationException($"Reference '{referenceName}' has neither output '{modelOutput}' nor an output at position {modelPosition}; outputs: {string.Join(", ", outputs)}.");
    }

    /// <summary>The float values of an output (FLOAT viewed in place; other numeric types converted).</summary>
    public static float[] Floats(TensorValue value) => value.DataType == (int)Onnx.Proto.TensorProto.Types.DataType.Float ? value.AsFloatSpan().ToArray() : value.ToFloats();

    /// <summary>Class count C of a classifier output shaped [N, C] or [N, C, 1, 1]; null for any other shape.</summary>
    public static int? ClassCount(long[] shape) => shape switch
    {
        [_, var c] => (int)c,
        [_, var c, 1, 1] => (int)c,
        _ => null,
    };

    /// <summary>Row length for argmax agreement: the class count of a classifier output, else the innermost dimension (0 for scalars).</summary>
    public static int RowLength(long[] shape) => ClassCount(shape) ?? (shape.Length == 0 ? 0 : (int)shape[^1]);

    public static string ShapeText(long[] shape) => "[" + string.Join(",", shape) + "]";
}
