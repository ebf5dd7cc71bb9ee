using System.Text.RegularExpressions;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;

namespace Ptq.Tests.Onnx.Conformance;

/// <summary>
/// Runs one backend test case: load, Save → Load round trip (ModelProto must be equal), then — when every input and
/// output is a tensor — the original and the round-tripped model in ORT on test_data_set_0, compared with the
/// expected outputs and with each other.
/// </summary>
internal static partial class ConformanceRunner
{
    private static readonly RunnerOptions SingleThread = new() { IntraOpThreads = 1, InterOpThreads = 1 };

    public static CaseOutcome Run(TestDataCase c, string tempDirectory)
    {
        OnnxModel original;
        try { original = ModelIO.Load(c.ModelPath); }
        catch (PtqException ex) { return new CaseOutcome(c, CaseStage.LoadFailed, ex.Message); }
        using (original)
        {
            string path = Path.Combine(tempDirectory, $"{c.Suite}__{c.Name}.onnx");
            OnnxModel reloaded;
            try
            {
                ModelIO.Save(original, path);
                reloaded = ModelIO.Load(path);
            }
            catch (PtqException ex) { return new CaseOutcome(c, CaseStage.RoundTripFailed, ex.Message); }
            using (reloaded)
            {
                if (!original.Proto.Equals(reloaded.Proto))
                    return new CaseOutcome(c, CaseStage.RoundTripFailed, "reloaded ModelProto differs from the original");
                return RunBoth(c, original, reloaded);
            }
        }
    }

    private static CaseOutcome RunBoth(TestDataCase c, OnnxModel original, OnnxModel reloaded)
    {
        var graph = original.Proto.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Concat(graph.Output).FirstOrDefault(v => v.Type?.TensorType is null) is { } nonTensor)
            return new CaseOutcome(c, CaseStage.NonTensorIo, $"'{nonTensor.Name}' is {nonTensor.Type?.ValueCase.ToString() ?? "untyped"}");
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        var inputFiles = c.Inputs;
        for (int i = 0; i < inputFiles.Count && i < inputs.Count; i++)
            feeds[inputs[i].Name] = ReadTensor(inputFiles[i], inputs[i].Type.TensorType.ElemType);

        Dictionary<string, TensorValue> before;
        try { before = RunOnce(original, feeds); }
        catch (RuntimeException ex) { return new CaseOutcome(c, CaseStage.OrtRefused, Reason(ex.Message)); }
        var after = RunOnce(reloaded, feeds);
        bool identical = OutputComparer.BitIdentical(before, after);
        bool nondeterministic = !identical && !OutputComparer.BitIdentical(before, RunOnce(original, feeds));
        string? originalDiff = CompareExpected(c, graph, before);
        string? roundTripDiff = CompareExpected(c, graph, after);
        return new CaseOutcome(c, CaseStage.Ran, originalDiff ?? roundTripDiff)
        {
            Random = HasRandomOp(graph),
            OriginalMatchesExpected = originalDiff is null,
            RoundTripMatchesExpected = roundTripDiff is null,
            BitIdentical = identical,
            Nondeterministic = nondeterministic,
        };
    }

    /// <summary>
    /// True when the graph samples random numbers (ONNX fixes no generator, so expected outputs cannot be reproduced):
    /// Random*, Bernoulli, Multinomial, or Dropout given a training_mode input.
    /// </summary>
    private static bool HasRandomOp(GraphProto graph) =>
        ModelTensors.GraphsOf(graph).SelectMany(g => g.Node).Any(n =>
            n.OpType is "Bernoulli" or "Multinomial" or "RandomNormal" or "RandomUniform" or "RandomNormalLike" or "RandomUniformLike"
            || (n.OpType == "Dropout" && n.Input.Count >= 3 && n.Input[2].Length > 0));

    private static Dictionary<string, TensorValue> RunOnce(OnnxModel model, Dictionary<string, TensorValue> feeds)
    {
        using var runner = new OrtRunner(model, SingleThread);
        return runner.Run(feeds);
    }

    private static string? CompareExpected(TestDataCase c, GraphProto graph, Dictionary<string, TensorValue> actual)
    {
        var outputFiles = c.Outputs;
        for (int i = 0; i < outputFiles.Count && i < graph.Output.Count; i++)
        {
            var expected = ReadTensor(outputFiles[i], graph.Output[i].Type.TensorType.ElemType);
            if (OutputComparer.Difference(graph.Output[i].Name, expected, actual[graph.Output[i].Name]) is { } diff)
                return diff;
        }
        return null;
    }

    /// <summary>
    /// Reads a test tensor. ONNX wrote its older BFLOAT16 test data with data_type UINT16 (same bits); such tensors are
    /// relabelled with the declared type so they feed and compare as what the model expects.
    /// </summary>
    private static TensorValue ReadTensor(string file, int declaredType)
    {
        var proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(file));
        if (proto.DataType == (int)TensorProto.Types.DataType.Uint16 && declaredType == (int)TensorProto.Types.DataType.Bfloat16)
            proto.DataType = declaredType;
        return TensorValue.FromProto(proto);
    }

    /// <summary>ORT's reason without model paths, node names and numbers, so equal causes group together.</summary>
    public static string Reason(string message)
    {
        string text = message;
        int code = text.IndexOf("[ErrorCode:", StringComparison.Ordinal);
        if (code >= 0)
            text = text[code..];
        text = SourcePath().Replace(text, "");
        text = Quoted().Replace(text, "'…'");
        text = Numbers().Replace(text, "N");
        int cut = text.IndexOf('\n', StringComparison.Ordinal);
        if (cut > 0)
            text = text[..cut];
        return text.Length > 120 ? text[..120] : text;
    }

    [GeneratedRegex("'[^']*'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"/onnxruntime_src/\S*\s*")]
    private static partial Regex SourcePath();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();
}
