using Microsoft.ML.OnnxRuntime;

namespace Ptq.Runtime;

/// <summary>
/// Outputs of one <see cref="OrtRunner.RunBorrowed"/> call, still in ONNX Runtime's buffers (model inputs: the feeds).
/// Views handed out stay valid until this object is disposed.
/// </summary>
internal sealed class OrtOutputs : IDisposable
{
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;
    private readonly Dictionary<string, int> _index;
    private readonly IReadOnlyDictionary<string, TensorValue> _feeds;
    private readonly Func<string, int>? _stackedAxes;

    internal OrtOutputs(IReadOnlyList<string> names, IDisposableReadOnlyCollection<OrtValue> values, IReadOnlyDictionary<string, TensorValue> feeds,
        Func<string, int>? stackedAxes = null)
    {
        _stackedAxes = stackedAxes;
        _values = values;
        _feeds = feeds;
        _index = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
            _index[names[i]] = i;
    }

    /// <summary>
    /// A borrowed view of output <paramref name="name"/>. Throws <see cref="RuntimeException"/> when the output is not
    /// a dense tensor (sequences, maps and STRING tensors have no byte view).
    /// </summary>
    public TensorView this[string name]
    {
        get
        {
            if (!_index.TryGetValue(name, out int index))
            {
                var feed = _feeds[name];
                return new TensorView(feed.DataType, feed.Shape, feed.Raw ?? throw new RuntimeException($"input '{name}' is a STRING tensor; only numeric tensors can be observed"));
            }
            var value = _values[index];
            if (!value.IsTensor)
                throw new RuntimeException($"output '{name}' is a {value.OnnxType}, not a tensor; Ptq handles tensor outputs only");
            var info = value.GetTensorTypeAndShape();
            if (info.IsString)
                throw new RuntimeException($"output '{name}' is a STRING tensor; only numeric tensors can be observed");
            var shape = _stackedAxes?.Invoke(name) is int stacked and > 0 ? OrtRunner.FoldStacked(info.Shape, stacked) : info.Shape;
            return new TensorView((int)info.ElementDataType, shape, value.GetTensorDataAsSpan<byte>());
        }
    }

    /// <summary>Releases ONNX Runtime's buffers.</summary>
    public void Dispose() => _values.Dispose();
}
