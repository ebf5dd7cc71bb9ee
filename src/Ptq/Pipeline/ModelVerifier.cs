using Ptq.Data;
using Ptq.Onnx;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Pipeline;

/// <summary>What <see cref="ModelVerifier.Verify"/> checked.</summary>
/// <param name="BatchSizes">Batch sizes at which the model ran with outputs of the float model's names, types and shapes.</param>
/// <param name="SyntheticInputs">No sample was given: the inputs were made up (seeded values, zeros for integers), so the
/// run proves the model loads and runs, not that its outputs are accurate.</param>
/// <param name="Skipped">Trials the float model itself could not run (made-up inputs it refuses), with ORT's reason.</param>
public sealed record ModelVerification(IReadOnlyList<long> BatchSizes, bool SyntheticInputs, IReadOnlyList<string> Skipped)
{
    /// <summary>
    /// Why the float model was not run beside the quantized one (its weights are over 2 GiB: loading them would multiply
    /// the quantization's peak memory), or null when it was. The quantized outputs were then checked against the float
    /// model's declared outputs (names, element types, ranks and fixed dimensions) and required to be finite.
    /// </summary>
    public string? ReferenceNotRun { get; init; }

    /// <summary>True when at least one trial ran both models.</summary>
    public bool Ran => BatchSizes.Count > 0;
}

/// <summary>
/// The last stage before a model is written: ONNX Runtime loads the quantized model and runs it wherever the float model
/// runs — at batch 1, at the batch size of every check sample, and at batch 2 when the batch dimension is dynamic — and
/// its outputs must have the float model's names, element types and shapes, with no NaN or infinity where float has none.
/// A model that fails is never written: <see cref="OutputVerificationException"/> says at which batch and why.
/// </summary>
internal static class ModelVerifier
{
    /// <summary>Seed of the made-up inputs used when no sample is given.</summary>
    public const int SyntheticSeed = 20240607;

    /// <summary>
    /// Verifies <paramref name="quantized"/> against <paramref name="reference"/> (the float model) on inputs derived
    /// from <paramref name="samples"/>, or on made-up inputs when there are none. Throws
    /// <see cref="OutputVerificationException"/> when the quantized model fails to load or run where the float one runs,
    /// or its outputs differ in name, type or shape, or hold NaN/infinity where the float outputs are finite.
    /// </summary>
    public static ModelVerification Verify(OnnxModel reference, OnnxModel quantized,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, long referenceLimitBytes = ReferenceLimitBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(samples);
        var inputs = ModelInputs.Of(reference);
        bool synthetic = samples.Count == 0;
        var trials = synthetic ? SyntheticTrials(inputs) : SampleTrials(inputs, samples);
        if (ModelIO.EstimateInlineBytes(reference.Proto) is var floatBytes && floatBytes >= referenceLimitBytes)
            return VerifyAgainstDeclaredOutputs(reference, quantized, trials, synthetic, floatBytes, cancellationToken);

        using var floatRunner = TryRunner(reference);
        if (floatRunner is null)
            return new ModelVerification([], synthetic, ["the float model does not load in ONNX Runtime"]);
        using (var quantizedRunner = Load(quantized))
        {
            var ran = new List<long>();
            var skipped = new List<string>();
            foreach (var (batch, feeds) in trials)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Dictionary<string, TensorValue> expected;
                try
                {
                    expected = floatRunner.Run(feeds);
                }
                catch (PtqException ex)
                {
                    skipped.Add($"batch {batch}: {ex.Message}");
                    continue;
                }
                Dictionary<string, TensorValue> actual;
                try
                {
                    actual = quantizedRunner.Run(feeds, [.. expected.Keys]);
                }
                catch (PtqException ex)
                {
                    throw new OutputVerificationException($"the quantized model fails at batch {batch}, where the float model runs: {ex.Message}", ex);
                }
                Compare(expected, actual, batch);
                ran.Add(batch);
            }
            return new ModelVerification(ran, synthetic, skipped);
        }
    }

    /// <summary>
    /// Float models whose tensors reach this many bytes (2 GiB, protobuf's limit) are not loaded in ONNX Runtime to
    /// verify a quantized model: the quantization itself streams them one layer at a time.
    /// </summary>
    public const long ReferenceLimitBytes = ModelIO.ProtobufLimitBytes;

    /// <summary>Runs the quantized model alone and checks its outputs against the float model's declared graph outputs.</summary>
    private static ModelVerification VerifyAgainstDeclaredOutputs(OnnxModel reference, OnnxModel quantized,
        List<(long Batch, IReadOnlyDictionary<string, TensorValue> Feeds)> trials, bool synthetic, long floatBytes, CancellationToken cancellationToken)
    {
        var declared = reference.Proto.Graph.Output;
        using var runner = Load(quantized, RunnerOptions.Default with { Prepacking = false, LoadFromFile = true });
        var ran = new List<long>();
        foreach (var (batch, feeds) in trials)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Dictionary<string, TensorValue> actual;
            try
            {
                actual = runner.Run(feeds, [.. declared.Select(o => o.Name)]);
            }
            catch (PtqException ex)
            {
                throw new OutputVerificationException($"the quantized model fails at batch {batch}: {ex.Message}", ex);
            }
            foreach (var output in declared)
            {
                var a = actual[output.Name];
                var type = output.Type?.TensorType;
                if (type is { ElemType: not 0 } && a.DataType != type.ElemType)
                    throw new OutputVerificationException($"output '{output.Name}' at batch {batch} is {OnnxDataType.Name(a.DataType)}, the float model declares {OnnxDataType.Name(type.ElemType)}");
                if (type?.Shape is { } shape && (shape.Dim.Count != a.Shape.Length
                        || shape.Dim.Select((d, i) => d.HasDimValue && d.DimValue != a.Shape[i]).Any(differs => differs)))
                    throw new OutputVerificationException($"output '{output.Name}' at batch {batch} has shape [{string.Join(",", a.Shape)}], the float model declares [{string.Join(",", shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam))}]");
                if (a.DataType == (int)DT.Float && HasNonFinite(a.AsFloatSpan()))
                    throw new OutputVerificationException($"output '{output.Name}' at batch {batch} holds NaN or infinity");
            }
            ran.Add(batch);
        }
        return new ModelVerification(ran, synthetic, [])
        {
            ReferenceNotRun = $"the float model's {floatBytes / (1 << 20)} MiB of tensors are not loaded beside it; outputs checked against its declared names, types and shapes",
        };
    }

    private static OrtRunner Load(OnnxModel quantized, RunnerOptions? options = null)
    {
        try
        {
            return new OrtRunner(quantized, options);
        }
        catch (PtqException ex)
        {
            throw new OutputVerificationException($"ONNX Runtime cannot load the quantized model: {ex.Message}", ex);
        }
    }

    private static OrtRunner? TryRunner(OnnxModel model)
    {
        try
        {
            return new OrtRunner(model);
        }
        catch (PtqException)
        {
            return null;
        }
    }

    private static void Compare(Dictionary<string, TensorValue> expected, Dictionary<string, TensorValue> actual, long batch)
    {
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            if (a.DataType != e.DataType)
                throw new OutputVerificationException($"output '{name}' at batch {batch} is {OnnxDataType.Name(a.DataType)}, the float model's is {OnnxDataType.Name(e.DataType)}");
            if (!a.Shape.SequenceEqual(e.Shape))
                throw new OutputVerificationException($"output '{name}' at batch {batch} has shape [{string.Join(",", a.Shape)}], the float model's has [{string.Join(",", e.Shape)}]");
            if (e.DataType == (int)DT.Float && HasNonFinite(a.AsFloatSpan()) && !HasNonFinite(e.AsFloatSpan()))
                throw new OutputVerificationException($"output '{name}' at batch {batch} holds NaN or infinity where the float model's is finite");
        }
    }

    private static bool HasNonFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v))
                return true;
        return false;
    }

    /// <summary>Batch 1 (the first item of the first sample), each distinct sample batch size, and batch 2 when it is dynamic.</summary>
    private static List<(long Batch, IReadOnlyDictionary<string, TensorValue> Feeds)> SampleTrials(
        IReadOnlyList<ModelInputInfo> inputs, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        var batched = inputs.Where(i => i.Rank > 0).Select(i => i.Name).ToList();
        long BatchOf(IReadOnlyDictionary<string, TensorValue> s) => batched.Count > 0 && s.TryGetValue(batched[0], out var v) ? v.Shape[0] : 1;
        var first = samples[0];
        var one = BatchOf(first) == 1 ? first : Slice(first, inputs, BatchOf(first));
        var trials = new List<(long, IReadOnlyDictionary<string, TensorValue>)> { (1, one) };
        foreach (var sample in samples)
        {
            long b = BatchOf(sample);
            if (!trials.Any(t => t.Item1 == b))
                trials.Add((b, sample));
        }
        if (!trials.Any(t => t.Item1 == 2) && BatchIsDynamic(inputs))
            trials.Add((2, Repeat(one, inputs)));
        return trials;
    }

    private static List<(long Batch, IReadOnlyDictionary<string, TensorValue> Feeds)> SyntheticTrials(IReadOnlyList<ModelInputInfo> inputs)
    {
        var one = MadeUp(inputs, batch: 1);
        var trials = new List<(long, IReadOnlyDictionary<string, TensorValue>)> { (1, one) };
        if (BatchIsDynamic(inputs))
            trials.Add((2, MadeUp(inputs, batch: 2)));
        return trials;
    }

    private static bool BatchIsDynamic(IReadOnlyList<ModelInputInfo> inputs) =>
        inputs.Count > 0 && inputs.All(i => i.Rank > 0 && i.IsDynamic(0));

    /// <summary>Seeded values in [−1, 1) for float inputs, zeros (valid indices) for integer and boolean ones; dynamic non-batch dims 32.</summary>
    private static Dictionary<string, TensorValue> MadeUp(IReadOnlyList<ModelInputInfo> inputs, long batch)
    {
        var random = new Random(SyntheticSeed);
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            long[] shape = [.. input.Shape.Select((d, axis) => input.IsDynamic(axis) ? (axis == 0 ? batch : 32) : d!.Value)];
            long count = shape.Aggregate(1L, (a, d) => a * d);
            int type = input.ElementType.OnnxDataType();
            if (type == (int)DT.Float)
            {
                var values = new float[count];
                for (long i = 0; i < count; i++)
                    values[i] = (float)(random.NextDouble() * 2 - 1);
                feeds[input.Name] = TensorValue.FromFloats(shape, values);
            }
            else if (type == (int)DT.String)
            {
                feeds[input.Name] = new TensorValue(shape, [.. Enumerable.Repeat("", (int)count)]);
            }
            else
            {
                feeds[input.Name] = new TensorValue(type, shape, new byte[OnnxDataType.RawByteCount(type, count, input.Name)]);
            }
        }
        return feeds;
    }

    /// <summary>The first item along dimension 0 of every input that has <paramref name="batch"/> there.</summary>
    private static Dictionary<string, TensorValue> Slice(IReadOnlyDictionary<string, TensorValue> sample, IReadOnlyList<ModelInputInfo> inputs, long batch)
    {
        var result = new Dictionary<string, TensorValue>(sample, StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!sample.TryGetValue(input.Name, out var value) || value.Shape.Length == 0 || value.Shape[0] != batch || value.Raw is null)
                continue;
            long[] shape = [1, .. value.Shape[1..]];
            int itemBytes = value.Raw.Length / (int)batch;
            result[input.Name] = new TensorValue(value.DataType, shape, value.Raw[..itemBytes]);
        }
        return result;
    }

    /// <summary>Two copies of a batch-1 feed stacked along dimension 0.</summary>
    private static Dictionary<string, TensorValue> Repeat(IReadOnlyDictionary<string, TensorValue> one, IReadOnlyList<ModelInputInfo> inputs)
    {
        var result = new Dictionary<string, TensorValue>(one, StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!one.TryGetValue(input.Name, out var value) || value.Shape.Length == 0 || value.Shape[0] != 1 || value.Raw is null)
                continue;
            result[input.Name] = new TensorValue(value.DataType, [2, .. value.Shape[1..]], [.. value.Raw, .. value.Raw]);
        }
        return result;
    }
}
