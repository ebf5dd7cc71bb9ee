using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>
/// The output check of the accuracy guard and the target searches: the float model's outputs on the check samples,
/// computed once, and the mean cosine of a quantized model's outputs against them. Only float outputs take part
/// (integer outputs such as argmax labels hold indices, not signal). A search compares many quantizations of one model
/// with one preparation, so the float side never needs running again.
/// </summary>
internal sealed class OutputCheck
{
    private readonly IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> _samples;
    private readonly IReadOnlyList<string> _outputs;
    private readonly List<float[]> _reference = [];

    private OutputCheck(IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, IReadOnlyList<string> outputs)
    {
        _samples = samples;
        _outputs = outputs;
    }

    /// <summary>The check samples.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> SampleList => _samples;

    /// <summary>
    /// Runs the float model <paramref name="prepared"/> (a quantization's <see cref="StaticQuantizationResult.PreparedFloatModel"/>)
    /// on <paramref name="samples"/>. Throws <see cref="PtqException"/> when the model has no float output.
    /// </summary>
    public static OutputCheck Measure(OnnxModel prepared, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        var check = new OutputCheck(samples, FloatOutputs(prepared));
        if (check._outputs.Count == 0)
            throw new PtqException("the output cosine against float needs a float output, and the model has none; drop the accuracy target");
        using var reference = new OrtRunner(prepared);
        foreach (var sample in samples)
            check._reference.Add(check.Concatenated(reference.Run(sample, check._outputs)));
        return check;
    }

    /// <summary>Mean over the check samples of the cosine between <paramref name="result"/>'s outputs and float's.</summary>
    public double Cosine(StaticQuantizationResult result)
    {
        using var quantized = new OrtRunner(result.Model);
        double sum = 0;
        for (int i = 0; i < _samples.Count; i++)
            sum += Evaluation.CosineSimilarity.Compute(_reference[i], Concatenated(quantized.Run(_samples[i], _outputs)));
        return sum / _samples.Count;
    }

    /// <summary>The model's graph outputs declared as float tensors, in graph order.</summary>
    public static IReadOnlyList<string> FloatOutputs(OnnxModel model) =>
        [.. model.Proto.Graph.Output.Where(o => o.Type?.TensorType is { ElemType: (int)Onnx.Proto.TensorProto.Types.DataType.Float }).Select(o => o.Name)];

    private float[] Concatenated(Dictionary<string, TensorValue> values) => [.. _outputs.SelectMany(o => values[o].ToFloats())];
}
