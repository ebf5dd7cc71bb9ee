using Microsoft.ML.OnnxRuntime;

namespace Ptq.Runtime;

/// <summary>ONNX Runtime session settings, stated explicitly so runs are repeatable.</summary>
internal sealed record RunnerOptions
{
    /// <summary>Threads inside one operator. Default 0: ORT's choice (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators (used only with parallel execution). Default 1.</summary>
    public int InterOpThreads { get; init; } = 1;

    /// <summary>Graph optimisation level. Default: all optimisations (what users deploy with).</summary>
    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Whether ORT's intra-op threads busy-wait for work between operators (ORT's default: true). Spinning shortens
    /// latency when ORT has the cores to itself, but steals them from work running beside it (calibration observers).
    /// </summary>
    public bool IntraOpSpinning { get; init; } = true;

    /// <summary>
    /// Whether kernels may repack constant weights into their own layout at load (ORT's default: true). Off keeps one
    /// copy of the weights (for a run that checks a large model, not one that measures its speed).
    /// </summary>
    public bool Prepacking { get; init; } = true;

    /// <summary>
    /// Hand ORT the model as files (weights as external data in a temporary folder) even when it would fit in one
    /// protobuf message: ORT then reads the weights from disk instead of parsing a serialized copy held in memory.
    /// </summary>
    public bool LoadFromFile { get; init; }

    /// <summary>When set, ORT writes its optimised graph here (to check which fused kernels it chose).</summary>
    public string? OptimizedModelPath { get; init; }

    /// <summary>Defaults.</summary>
    public static RunnerOptions Default { get; } = new();

    internal SessionOptions ToSessionOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = InterOpThreads,
            GraphOptimizationLevel = Optimization,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (!IntraOpSpinning)
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (!Prepacking)
            options.AddSessionConfigEntry("session.disable_prepacking", "1");
        if (OptimizedModelPath is not null)
            options.OptimizedModelFilePath = OptimizedModelPath;
        return options;
    }
}
