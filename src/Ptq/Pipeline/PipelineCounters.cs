namespace Ptq.Pipeline;

/// <summary>
/// How often a run prepared the model and streamed the calibration data: a test hook (the staged pipeline promises
/// once each per run, searches included). Counting is on only inside <see cref="Count"/>, for the calling flow.
/// </summary>
internal sealed class PipelineCounters
{
    private static readonly AsyncLocal<PipelineCounters?> Active = new();

    /// <summary>The counters of the current flow, or null when nobody counts.</summary>
    public static PipelineCounters? Current => Active.Value;

    /// <summary>Model preparations (<see cref="ModelPreparation.Prepare"/> for quantization).</summary>
    public int Preparations { get; private set; }

    /// <summary>Passes of the calibration data through the model to collect statistics.</summary>
    public int CalibrationPasses { get; private set; }

    /// <summary>Runs <paramref name="action"/> with fresh counters for its flow and returns them.</summary>
    public static PipelineCounters Count(Action action)
    {
        var counters = new PipelineCounters();
        var previous = Active.Value;
        Active.Value = counters;
        try
        {
            action();
        }
        finally
        {
            Active.Value = previous;
        }
        return counters;
    }

    public void Prepared() => Preparations++;

    public void Calibrated() => CalibrationPasses++;
}
