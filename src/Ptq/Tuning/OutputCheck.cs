using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tuning;

/// <summary>
/// The output check of the accuracy guard and the target searches: the mean cosine of a quantized model's outputs
/// against the float model's on the check samples. Only float outputs take part (integer outputs such as argmax labels
/// hold indices, not signal). A search compares many quantizations of one model with one preparation, so the float
/// outputs are kept after the first run when they are small enough (<see cref="MaxKeptBytes"/> over all samples), and
/// the float model is run again for each comparison only for models with very large outputs.
/// </summary>
internal sealed class OutputCheck
{
    /// <summary>Float outputs over all check samples up to this size are kept between comparisons.</summary>
    public const long MaxKeptBytes = 256L << 20;

    private readonly OnnxModel _prepared;
    private readonly IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> _samples;
    private readonly IReadOnlyList<string> _sampleNames;
    private readonly IReadOnlyList<string> _outputs;
    private List<float[]>? _reference;

    private OutputCheck(OnnxModel prepared, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, IReadOnlyList<string>? sampleNames,
        IReadOnlyList<string> outputs)
    {
        _prepared = prepared;
        _samples = samples;
        _sampleNames = sampleNames ?? [.. Enumerable.Range(0, samples.Count).Select(i => $"#{i + 1}")];
        _outputs = outputs;
    }

    /// <summary>Throws <see cref="PtqException"/> naming <paramref name="option"/> unless <paramref name="cosine"/> is in (0, 1].</summary>
    public static void RequireCosine(double cosine, string option)
    {
        if (!(cosine > 0 && cosine <= 1))
            throw new PtqException($"{option} {cosine}: give a value in (0, 1]");
    }

    /// <summary>The check samples.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> SampleList => _samples;

    /// <summary>The float model the outputs are compared with.</summary>
    public OnnxModel Reference => _prepared;

    /// <summary>
    /// The model to compare against: the user's own float model when ONNX Runtime loads it (so the check also covers
    /// what preparation did to it), else the prepared one (legacy operators ORT no longer runs).
    /// </summary>
    public static OnnxModel ReferenceModel(OnnxModel original, Func<OnnxModel> prepared)
    {
        if (ModelIO.EstimateInlineBytes(original.Proto) >= ModelVerifier.ReferenceLimitBytes)
            return original; // not loaded to verify either: probing it would cost its whole size in memory
        try
        {
            using var probe = new OrtRunner(original);
            return original;
        }
        catch (PtqException)
        {
            return prepared();
        }
    }

    /// <summary>
    /// Runs the float model <paramref name="prepared"/> (a quantization's <see cref="StaticQuantizationResult.PreparedFloatModel"/>)
    /// on <paramref name="samples"/> and keeps its outputs when all of them (estimated from the first) fit
    /// <paramref name="maxKeptBytes"/>. Throws <see cref="PtqException"/> when the model has no float output, or when a
    /// sample gives NaN or infinity in a float output (named by <paramref name="sampleNames"/>, else by position).
    /// </summary>
    public static OutputCheck Measure(OnnxModel prepared, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, long maxKeptBytes = MaxKeptBytes,
        IReadOnlyList<string>? sampleNames = null)
    {
        var check = new OutputCheck(prepared, samples, sampleNames, FloatOutputs(prepared));
        if (check._outputs.Count == 0)
            throw new PtqException("the output cosine against float needs a float output, and the model has none; drop the accuracy target");
        if (samples.Count == 0)
            return check;
        using var reference = new OrtRunner(prepared);
        var first = check.Expected(reference, 0);
        if ((long)first.Length * sizeof(float) * samples.Count > maxKeptBytes)
        {
            for (int i = 1; i < samples.Count; i++)
                check.Expected(reference, i); // not kept, but every sample is checked for NaN/infinity once
            return check;
        }
        check._reference = [first, .. Enumerable.Range(1, samples.Count - 1).Select(i => check.Expected(reference, i))];
        return check;
    }

    /// <summary>Mean over the check samples of the cosine between <paramref name="result"/>'s outputs and float's.</summary>
    public double Cosine(StaticQuantizationResult result) => Cosine(result.Model);

    /// <summary>Mean over the check samples of the cosine between <paramref name="model"/>'s outputs and float's.</summary>
    public double Cosine(OnnxModel model)
    {
        using var quantized = new OrtRunner(model);
        using var reference = _reference is null ? new OrtRunner(_prepared) : null;
        double sum = 0;
        for (int i = 0; i < _samples.Count; i++)
        {
            float[] expected = _reference?[i] ?? Concatenated(reference!.Run(_samples[i], _outputs));
            sum += Evaluation.CosineSimilarity.Compute(expected, Concatenated(quantized.Run(_samples[i], _outputs)));
        }
        return sum / _samples.Count;
    }

    /// <summary>The float outputs of sample <paramref name="index"/>; a NaN or infinity there is the sample's fault.</summary>
    private float[] Expected(OrtRunner reference, int index)
    {
        float[] values = Concatenated(reference.Run(_samples[index], _outputs));
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new PtqException($"check sample '{_sampleNames[index]}' makes the float model output {values[bad]} (in {string.Join(", ", _outputs.Select(o => $"'{o}'"))}): " +
                "the output cannot be compared with it; check its preprocessing or leave it out of --data");
        return values;
    }

    /// <summary>The model's graph outputs declared as float tensors, in graph order.</summary>
    public static IReadOnlyList<string> FloatOutputs(OnnxModel model) =>
        [.. model.Proto.Graph.Output.Where(o => o.Type?.TensorType is { ElemType: (int)Onnx.Proto.TensorProto.Types.DataType.Float }).Select(o => o.Name)];

    private float[] Concatenated(Dictionary<string, TensorValue> values) => [.. _outputs.SelectMany(o => values[o].ToFloats())];
}
