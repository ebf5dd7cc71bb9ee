using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>
/// The first stage of a static quantization run, computed once and shared by every quantization of the run (the plain
/// one, the accuracy guard's and the searches' steps): the canonical float model (<see cref="ModelPreparation"/>), its
/// opset-21 form when a scheme needs one, and the element type and shape of every tensor, from one probe sample run
/// through ONNX Runtime or, with statistics instead of samples, from the statistics.
/// </summary>
internal sealed class PreparedQuantization
{
    private readonly Dictionary<long, OnnxModel> _atOpset = [];
    private readonly Func<string, bool> _isFloat;
    private readonly Func<string, long[]?> _shapeOf;

    private PreparedQuantization(OnnxModel original, PreparedModel preparation, bool foldBatchNorm, bool equalize,
        Func<string, bool> isFloat, Func<string, long[]?> shapeOf)
    {
        Original = original;
        Preparation = preparation;
        FoldBatchNorm = foldBatchNorm;
        Equalize = equalize;
        _isFloat = isFloat;
        _shapeOf = shapeOf;
        _atOpset[preparation.Model.DefaultOpset] = preparation.Model;
    }

    /// <summary>The user's model, as loaded.</summary>
    public OnnxModel Original { get; }

    /// <summary>The canonical float model and what preparation did.</summary>
    public PreparedModel Preparation { get; }

    /// <summary>Whether BatchNormalization was folded (settings that differ need another preparation).</summary>
    public bool FoldBatchNorm { get; }

    /// <summary>Whether cross-layer equalization ran.</summary>
    public bool Equalize { get; }

    /// <summary>Whether an activation is float32 in the prepared model.</summary>
    public bool IsFloat(string tensor) => _isFloat(tensor);

    /// <summary>The shape of an activation for one sample, when known.</summary>
    public long[]? ShapeOf(string tensor) => _shapeOf(tensor);

    /// <summary>The prepared model at <paramref name="opset"/> (upgraded once, on first request, when higher).</summary>
    public OnnxModel ModelAt(long opset)
    {
        if (!_atOpset.TryGetValue(opset, out var model))
            _atOpset[opset] = model = OpsetUpgrader.Upgrade(Preparation.Model, checked((int)opset));
        return model;
    }

    /// <summary>
    /// Prepares <paramref name="model"/> for <paramref name="settings"/> (BN folding, CLE, channel padding) and learns its
    /// tensors from <paramref name="probe"/> (one sample) or, without one, from <paramref name="stats"/>. The probe runs on
    /// the model at <paramref name="probeOpset"/>. Throws <see cref="PtqException"/> when the model cannot be prepared.
    /// </summary>
    public static PreparedQuantization Create(OnnxModel model, StaticQuantizationSettings settings, IReadOnlyDictionary<string, TensorValue>? probe,
        StatsFile? stats, RunnerOptions runner, Func<OnnxModel, long> probeOpset)
    {
        PipelineCounters.Current?.Prepared();
        var preparation = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization, padInputChannels: true);
        Func<string, bool> isFloat;
        Func<string, long[]?> shapeOf;
        PreparedQuantization? result = null;
        if (probe is not null)
        {
            var types = new Lazy<IReadOnlyDictionary<string, ProbedTensor>>(() => TensorTypeProbe.Probe(result!.ModelAt(probeOpset(preparation.Model)), probe, runner));
            isFloat = t => types.Value.TryGetValue(t, out var p) && p.DataType == (int)TensorProto.Types.DataType.Float;
            shapeOf = t => types.Value.TryGetValue(t, out var p) ? p.Shape : null;
        }
        else if (stats is not null)
        {
            isFloat = stats.Tensors.ContainsKey;
            shapeOf = t => stats.Tensors.TryGetValue(t, out var ts) && ts.ChannelMeans is { } cm && stats.Samples > 0
                ? [1, cm.Means.Length, ts.Count / stats.Samples / cm.Means.Length] // channels × spatial, enough to tell vectors apart
                : null;
        }
        else
        {
            throw new PtqException("no calibration samples were given: the data source is empty");
        }
        result = new PreparedQuantization(model, preparation, settings.FoldBatchNorm, settings.CrossLayerEqualization, isFloat, shapeOf);
        return result;
    }

    /// <summary>Throws unless <paramref name="settings"/> prepare the model the way this preparation did.</summary>
    public void RequireSamePreparation(StaticQuantizationSettings settings)
    {
        if (settings.FoldBatchNorm != FoldBatchNorm || settings.CrossLayerEqualization != Equalize)
            throw new InvalidOperationException("a prepared model was reused with settings that prepare it differently (BatchNorm folding or CLE)");
    }
}
