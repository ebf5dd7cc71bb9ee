namespace Ptq.Tuning.Lapq;

/// <summary>How LAPQ's search is bounded (<c>--method lapq</c>); validated by <see cref="Validate"/>.</summary>
internal sealed record LapqSettings
{
    /// <summary>
    /// Default <see cref="Iterations"/>: one sweep. On SqueezeNet at 4-bit activations a second one lowered the search
    /// loss from 0.072 to 0.063 (twice the time) but not the held-out error (agreement 56.5 % after one, 55.0 % after two).
    /// </summary>
    public const int DefaultIterations = 1;

    /// <summary>Default <see cref="Samples"/>: enough images for the output loss to rank candidates, few enough for hundreds of runs.</summary>
    public const int DefaultSamples = 16;

    /// <summary>Sweeps of Powell's method over all clip values (Distiller's <c>--lapq-maxiter</c>).</summary>
    public int Iterations { get; init; } = DefaultIterations;

    /// <summary>Evaluations of the output loss in all, initialisation included (Distiller's <c>--lapq-maxfev</c>); null: bounded by <see cref="Iterations"/> only.</summary>
    public int? MaxEvaluations { get; init; }

    /// <summary>Calibration samples the output loss is measured on, spread over the data apart from the accuracy guard's check samples.</summary>
    public int Samples { get; init; } = DefaultSamples;

    /// <summary>The p of the L_p-optimal clips the search starts from; null: the p in {2, 2.5, 3, 3.5, 4} with the least output loss.</summary>
    public double? InitNorm { get; init; }

    /// <summary>
    /// Softmax outputs are measured by the KL divergence of float's distribution to the quantized one, from the logits,
    /// instead of the squared error of the outputs (default). On SqueezeNet at 4-bit activations the squared error of the
    /// probabilities gave the better held-out agreement and top-1 (bench/README.md).
    /// </summary>
    public bool SoftmaxDivergence { get; init; }

    /// <summary>Throws <see cref="SettingException"/> naming the setting at fault.</summary>
    public LapqSettings Validate()
    {
        if (Iterations < 0)
            throw new SettingException(SettingName.LapqIterations, $"{SettingName.LapqIterations} {Iterations}: give 0 (initialisation only) or more sweeps");
        if (MaxEvaluations is int max && max < 1)
            throw new SettingException(SettingName.LapqMaxEvals, $"{SettingName.LapqMaxEvals} {max}: give at least 1 evaluation");
        if (Samples < 1)
            throw new SettingException(SettingName.LapqSamples, $"{SettingName.LapqSamples} {Samples}: give at least 1 sample");
        if (InitNorm is double p && !(p >= 1 && double.IsFinite(p)))
            throw new SettingException(SettingName.LapqInitP, $"{SettingName.LapqInitP} {p}: the norm's p is a finite number of at least 1, e.g. 2 or 3");
        return this;
    }
}
