using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Runtime;

/// <summary>
/// Runs a model in ONNX Runtime from memory (no files in the working directory). Models that cannot be one protobuf
/// message (over 2 GiB) are staged with external data in a private temporary folder that is deleted on dispose.
/// </summary>
internal sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string? _stagingDirectory;
    private readonly HashSet<string> _inputNames;

    /// <summary>
    /// Creates a session for <paramref name="model"/>. Throws <see cref="RuntimeException"/> with ORT's reason when ORT
    /// refuses the model (unsupported op, bad types, …).
    /// </summary>
    public OrtRunner(OnnxModel model, RunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= RunnerOptions.Default;
        using var sessionOptions = options.ToSessionOptions();
        try
        {
            byte[]? bytes = options.LoadFromFile ? null : TrySerialize(model);
            if (bytes is not null)
            {
                _session = new InferenceSession(bytes, sessionOptions);
            }
            else
            {
                _stagingDirectory = Directory.CreateTempSubdirectory("ptq-ort-").FullName;
                string path = Path.Combine(_stagingDirectory, "model.onnx");
                ModelIO.Save(model, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always });
                _session = new InferenceSession(path, sessionOptions);
            }
        }
        catch (OnnxRuntimeException ex)
        {
            DeleteStaging();
            throw new RuntimeException($"ONNX Runtime cannot load '{model.DisplayName}': {ex.Message}", ex);
        }
        InputNames = [.. _session.InputNames];
        _inputNames = [.. InputNames];
        OutputNames = [.. _session.OutputNames];
    }

    /// <summary>
    /// Creates a session that also returns the intermediate values <paramref name="extraOutputs"/> (for calibration and
    /// debugging). The model is not modified; a copy gains the extra graph outputs. Values inside If/Loop/Scan bodies are
    /// routed out (<see cref="SubgraphOutputs"/>) and returned under their own names: empty when their If branch did not
    /// run, with the iterations of enclosing loops folded into the first axis.
    /// </summary>
    public static OrtRunner WithOutputs(OnnxModel model, IEnumerable<string> extraOutputs, RunnerOptions? options = null)
    {
        var copy = model.Proto.Clone();
        var graph = new OnnxGraph(copy.Graph, null, null, promoteConstants: false);
        var existing = new HashSet<string>(copy.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var mainValues = new List<string>();
        var routes = new Dictionary<string, RoutedValue>(StringComparer.Ordinal);
        var routedTypes = new Dictionary<string, int>(StringComparer.Ordinal);
        Dictionary<string, int>? types = null;
        foreach (string name in extraOutputs)
        {
            if (!existing.Add(name))
                continue;
            if (graph.IsVisible(name))
            {
                mainValues.Add(name);
                continue;
            }
            if (SubgraphOutputs.DefiningBody(graph, name) is not { } body)
                throw new RuntimeException($"'{model.DisplayName}' has no value '{name}' to expose as an output");
            types ??= ElementTypes.Infer(graph);
            if (!types.TryGetValue(name, out int type))
                throw new RuntimeException($"cannot expose '{name}' of '{model.DisplayName}': it is computed inside a {body.Owner?.OpType} body and its element type cannot be told");
            routes[name] = SubgraphOutputs.Route(body, name, type);
            routedTypes[name] = type;
        }
        if (routes.Count > 0)
            copy.Graph = graph.ToProto();
        // ORT infers the type of an output declared without one.
        foreach (string name in mainValues)
            copy.Graph.Output.Add(new ValueInfoProto { Name = name, Type = graph.FindType(name) ?? new TypeProto() });
        foreach (var (name, route) in routes)
            copy.Graph.Output.Add(new ValueInfoProto { Name = route.Output, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = routedTypes[name] } } });
        using var staged = model.Derive(copy);
        return new OrtRunner(staged, options) { _routes = routes };
    }

    // Values routed out of bodies: requested name → the graph output carrying it.
    private IReadOnlyDictionary<string, RoutedValue> _routes = new Dictionary<string, RoutedValue>();

    /// <summary>
    /// The shape a routed value is reported with: the axes loops stacked folded into its first axis, so a per-sample
    /// layout (batch, channels, …) keeps its channel axis.
    /// </summary>
    internal static long[] FoldStacked(long[] shape, int stackedAxes)
    {
        if (stackedAxes == 0 || shape.Length == 0)
            return shape;
        int folded = Math.Min(stackedAxes + 1, shape.Length);
        long first = 1;
        for (int i = 0; i < folded; i++)
            first *= shape[i];
        return [first, .. shape.Skip(folded)];
    }

    /// <summary>Names of the inputs a caller must feed, in model order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Names of all outputs, in model order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>ORT's view of the inputs (element types and shapes, -1 for dynamic dims).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _session.InputMetadata;

    /// <summary>
    /// Runs the model on <paramref name="feeds"/> and returns the requested outputs (all when null). Dynamic dimensions
    /// are taken from the feeds. Throws <see cref="RuntimeException"/> naming a missing feed or ORT's reason for failing.
    /// </summary>
    public Dictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> feeds, IReadOnlyCollection<string>? outputs = null)
    {
        var wanted = outputs ?? OutputNames;
        using var results = RunValues(feeds, wanted);
        var output = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        int i = 0;
        foreach (string name in wanted)
        {
            var value = OrtValues.Read(results[i++], name);
            output[name] = _routes.TryGetValue(name, out var route) && route.StackedAxes > 0 && value.Strings is null
                ? new TensorValue(value.DataType, FoldStacked(value.Shape, route.StackedAxes), value.Raw!)
                : value;
        }
        return output;
    }

    /// <summary>
    /// Like <see cref="Run"/> but leaves the outputs in ONNX Runtime's memory: no copies, for callers that only read
    /// each output once (calibration observers). Requested names that are model inputs are served from
    /// <paramref name="feeds"/> without asking ORT to copy them. Dispose the result to release the buffers.
    /// </summary>
    public OrtOutputs RunBorrowed(IReadOnlyDictionary<string, TensorValue> feeds, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var computed = outputs.Where(o => !_inputNames.Contains(o)).ToList();
        return new OrtOutputs(computed, RunValues(feeds, computed), feeds, name => _routes.TryGetValue(name, out var route) ? route.StackedAxes : 0);
    }

    private IDisposableReadOnlyCollection<OrtValue> RunValues(IReadOnlyDictionary<string, TensorValue> feeds, IReadOnlyCollection<string> wanted)
    {
        ArgumentNullException.ThrowIfNull(feeds);
        foreach (string name in InputNames)
            if (!feeds.ContainsKey(name))
                throw new RuntimeException($"no value given for model input '{name}' (inputs: {string.Join(", ", InputNames)})");
        var inputValues = new List<OrtValue>(feeds.Count);
        try
        {
            var names = new List<string>();
            foreach (var (name, value) in feeds)
            {
                names.Add(name);
                inputValues.Add(OrtValues.Create(value));
            }
            // A failed run raises an exception with ORT's message, which the caller reports; ORT's own log would print
            // the same message to standard error first, unformatted.
            using var runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            var fetched = _routes.Count == 0 ? wanted : [.. wanted.Select(n => _routes.TryGetValue(n, out var route) ? route.Output : n)];
            return _session.Run(runOptions, names, inputValues, fetched);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new RuntimeException($"ONNX Runtime failed to run the model: {ex.Message}", ex);
        }
        finally
        {
            foreach (var value in inputValues)
                value.Dispose();
        }
    }

    /// <summary>Releases the session and any staging folder.</summary>
    public void Dispose()
    {
        _session.Dispose();
        DeleteStaging();
    }

    // A model whose tensors were streamed to a temporary file (the quantization of a model of 2 GiB or more) is staged
    // as files too: one serialized copy would hold every tensor in memory, beside the session's own.
    private static byte[]? TrySerialize(OnnxModel model) =>
        ModelIO.EstimateInlineBytes(model.Proto) < ModelIO.ProtobufLimitBytes - (64L << 20) && !model.HoldsSpilledTensors ? ModelIO.ToBytes(model) : null;

    private void DeleteStaging()
    {
        if (_stagingDirectory is not null && Directory.Exists(_stagingDirectory))
            Directory.Delete(_stagingDirectory, recursive: true);
    }
}

/// <summary>ONNX Runtime refused to load or run a model; the message carries ORT's reason.</summary>
internal sealed class RuntimeException(string message, Exception? inner = null) : PtqException(message, inner);

/// <summary>Conversions between <see cref="TensorValue"/> and ORT values.</summary>
internal static class OrtValues
{
    public static OrtValue Create(TensorValue value)
    {
        if (value.Strings is { } strings)
        {
            var tensor = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, value.Shape);
            for (int i = 0; i < strings.Length; i++)
                tensor.StringTensorSetElementAt(strings[i].AsSpan(), i);
            return tensor;
        }
        var result = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)value.DataType, value.Shape);
        value.Raw.AsSpan().CopyTo(result.GetTensorMutableRawData());
        return result;
    }

    public static TensorValue Read(OrtValue value, string name)
    {
        if (!value.IsTensor)
            throw new RuntimeException($"output '{name}' is a {value.OnnxType}, not a tensor; Ptq handles tensor outputs only");
        var info = value.GetTensorTypeAndShape();
        long[] shape = info.Shape;
        if (info.IsString)
            return new TensorValue(shape, value.GetStringTensorAsArray());
        return new TensorValue((int)info.ElementDataType, shape, value.GetTensorMutableRawData().ToArray());
    }
}
