namespace Ptq.Tests.Onnx.Conformance;

/// <summary>How far one backend test case got.</summary>
internal enum CaseStage
{
    /// <summary>ModelIO.Load refused the model.</summary>
    LoadFailed,
    /// <summary>Loaded, but Save → Load failed or changed the ModelProto.</summary>
    RoundTripFailed,
    /// <summary>Round-tripped; not run because an input or output is not a tensor (sequence, map, optional).</summary>
    NonTensorIo,
    /// <summary>Round-tripped; ORT refused to load or run the original.</summary>
    OrtRefused,
    /// <summary>Round-tripped and both models ran in ORT.</summary>
    Ran,
}

/// <summary>The result of one backend test case; <see cref="Detail"/> explains anything short of success.</summary>
internal sealed record CaseOutcome(TestDataCase Case, CaseStage Stage, string? Detail = null)
{
    /// <summary>The model samples random numbers, so its expected outputs are not comparable (see <see cref="ConformanceRunner"/>).</summary>
    public bool Random { get; init; }

    /// <summary>The original model's outputs match output_*.pb.</summary>
    public bool OriginalMatchesExpected { get; init; }

    /// <summary>The round-tripped model's outputs match output_*.pb.</summary>
    public bool RoundTripMatchesExpected { get; init; }

    /// <summary>The round-tripped model's outputs are byte-identical to the original's.</summary>
    public bool BitIdentical { get; init; }

    /// <summary>Two runs of the original itself differ (random ops), so bit identity cannot be asked for.</summary>
    public bool Nondeterministic { get; init; }
}
