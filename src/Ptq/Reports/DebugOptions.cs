namespace Ptq.Reports;

/// <summary>How <see cref="Debugger"/> runs. Immutable; invalid values are rejected when set.</summary>
public sealed record DebugOptions
{
    private readonly int _samples = 16;
    private readonly int _reservoirCapacity = QuantileReservoir.DefaultCapacity;
    private readonly int _histogramBins = 80;
    private readonly int _intraOpThreads;
    private readonly int _diagnosed = 5;

    /// <summary>Defaults: 16 samples, 65 536-value reservoirs, 80 histogram bins, ORT's thread count.</summary>
    public static DebugOptions Default { get; } = new();

    /// <summary>Samples taken from the start of the stream (default 16).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to zero or a negative number.</exception>
    public int Samples
    {
        get => _samples;
        init => _samples = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Debug samples must be positive.");
    }

    /// <summary>
    /// Values kept per activation for quartiles and histograms (reservoir sampling with a fixed seed). Quartiles are exact
    /// while a tensor's values over all samples fit; weights always keep every value, so their quartiles are exact.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a value below 16.</exception>
    public int ReservoirCapacity
    {
        get => _reservoirCapacity;
        init => _reservoirCapacity = value >= 16 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The reservoir must hold at least 16 values.");
    }

    /// <summary>Bins of the activation histograms.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a value below 2.</exception>
    public int HistogramBins
    {
        get => _histogramBins;
        init => _histogramBins = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Histograms need at least 2 bins.");
    }

    /// <summary>ONNX Runtime intra-op threads for both sessions; 0 lets ORT choose.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a negative number.</exception>
    public int IntraOpThreads
    {
        get => _intraOpThreads;
        init => _intraOpThreads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Intra-op threads must be 0 (ORT's choice) or positive.");
    }

    /// <summary>Layers at the top of the local-error ranking that get a diagnosis (<see cref="LayerDiagnostics"/>; default 5).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to a negative number.</exception>
    public int Diagnosed
    {
        get => _diagnosed;
        init => _diagnosed = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The number of diagnosed layers cannot be negative.");
    }

    /// <summary>Receives progress lines (tensors matched, samples done); null for silence.</summary>
    public Action<string>? Log { get; init; }
}
