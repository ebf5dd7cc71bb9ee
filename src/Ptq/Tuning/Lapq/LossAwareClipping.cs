using System.Diagnostics;
using System.Globalization;
using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tuning.Lapq;

/// <summary>What <see cref="LossAwareClipping.Search"/> found.</summary>
/// <param name="Result">The quantization with the searched clips.</param>
/// <param name="Settings">The settings that reproduce it from the same run (<see cref="StaticQuantizationSettings.SearchedRanges"/> set), for the accuracy guard's variants.</param>
/// <param name="InitNorm">The p of the L_p clips the search started from.</param>
/// <param name="InitLoss">The output loss there (relative squared error against float on the search samples).</param>
/// <param name="Loss">The output loss of the searched clips.</param>
/// <param name="Variables">Clip values searched (one per range end that can move).</param>
/// <param name="Evaluations">Output losses computed, initialisation included.</param>
/// <param name="Iterations">Sweeps of Powell's method run.</param>
/// <param name="Samples">Samples the loss was measured on.</param>
/// <param name="Ranges">Each searched tensor's range at the start and at the end.</param>
/// <param name="Seconds">Wall time of the search.</param>
internal sealed record LapqResult(StaticQuantizationResult Result, StaticQuantizationSettings Settings, double InitNorm, double InitLoss, double Loss,
    int Variables, int Evaluations, int Iterations, int Samples, IReadOnlyList<(string Tensor, FloatRange Start, FloatRange End)> Ranges, double Seconds);

/// <summary>
/// LAPQ (Nahshan et al., "Loss Aware Post-training Quantization"; Distiller's <c>--qe-lapq</c>): the activation clips of
/// all layers are chosen together, for the loss of the network's output rather than each tensor's own error. Every
/// layer starts from its L_p-optimal clip, with the p (tried in {2, 2.5, 3, 3.5, 4} unless given) whose clips give the
/// least output loss; Powell's method then moves the clip values jointly, each as a factor on a log scale, to lower the
/// output loss on a few calibration samples: the squared error of the outputs relative to the float outputs' energy, or
/// (<see cref="LapqSettings.SoftmaxDivergence"/>) for a Softmax output the KL divergence of float's distribution to the
/// quantized one, the label-free form of the cross-entropy LAPQ minimises.
/// The candidates run in one ONNX Runtime session (<see cref="ClipSimulation"/>) and their parameters come from
/// <see cref="StaticQuantizer.Parameters"/>, so the clips found are written exactly as measured; the weights keep the
/// run's quantization. Only tensors whose method is <see cref="CalibrationMethod.Lapq"/> are searched (not those a clip
/// table or a tensor override fixes).
/// </summary>
internal static class LossAwareClipping
{
    /// <summary>
    /// Searches the clips of <paramref name="run"/>'s plain quantization (made with <paramref name="settings"/>) on
    /// <paramref name="samples"/>, measuring against the prepared float model, within <paramref name="lapq"/>'s bounds;
    /// reports the initialisation and each sweep to <paramref name="log"/>.
    /// </summary>
    public static LapqResult Search(StaticRun run, StaticQuantizationSettings settings, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples,
        LapqSettings lapq, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        lapq.Validate();
        if (samples.Count == 0)
            throw new SettingException(SettingName.Method, $"{SettingName.Method} lapq measures the output against float on samples; give {SettingName.Data}");
        var clock = Stopwatch.StartNew();
        var start = run.Plain;
        var draft = run.Draft(settings);
        var plan = start.Plan;
        var fixedByUser = Pipeline.TensorQuantOverrides.Resolve(settings.TensorOverrides, plan).Keys.ToHashSet(StringComparer.Ordinal);
        var searched = plan.CalibratedTensors.Where(t => draft.Choices.Method(t) == CalibrationMethod.Lapq && draft.Choices.ClipOf(t) is null && !fixedByUser.Contains(t)).ToList();
        if (searched.Count == 0)
        {
            log?.Report("lapq: no activation to search (none calibrated with lapq)");
            return new LapqResult(start, settings, double.NaN, double.NaN, double.NaN, 0, 0, 0, samples.Count, [], clock.Elapsed.TotalSeconds);
        }
        using var simulation = ClipSimulation.Create(start, searched, samples, lapq.SoftmaxDivergence);
        int evaluations = 0;
        double Loss(IReadOnlyDictionary<string, FloatRange> ranges)
        {
            cancellationToken.ThrowIfCancellationRequested();
            evaluations++;
            return simulation.Loss(StaticQuantizer.Parameters(draft, plan, ranges));
        }

        // Initialisation: the L_p clips of every searched tensor, for the p whose clips the output likes best.
        var targets = searched.GroupBy(t => Target(draft.Choices.ActivationScheme(t))).ToList();
        IReadOnlyDictionary<string, FloatRange> LpRanges(double p) =>
            targets.SelectMany(g => run.Ranges([.. g], new LpEstimator(p), g.Key)).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        var norms = lapq.InitNorm is double given ? [given] : LapqDefaults.InitNorms;
        (double Norm, IReadOnlyDictionary<string, FloatRange> Ranges, double Loss)? init = null;
        foreach (double p in norms)
        {
            var ranges = LpRanges(p);
            double loss = Loss(ranges);
            log?.Report(string.Create(CultureInfo.InvariantCulture, $"lapq: L{p:0.#} clips of {searched.Count} activations: output loss {loss:G5}"));
            if (init is null || loss < init.Value.Loss)
                init = (p, ranges, loss);
        }
        var (norm, initRanges, initLoss) = init!.Value;

        // Variables: log-factors on the range ends that can move (a fused Relu's 0 cannot; a symmetric range moves as one).
        var variables = new List<(string Tensor, End End)>();
        foreach (string tensor in searched)
        {
            var range = initRanges[tensor];
            var scheme = draft.Choices.ActivationScheme(tensor);
            bool fusedAtZero = draft.Fused.TryGetValue(tensor, out var bounds) && bounds.Min >= 0;
            if (scheme.Mode == QuantMode.Symmetric)
                variables.Add((tensor, End.Both));
            else
            {
                if (range.Max > 0) variables.Add((tensor, End.Max));
                if (range.Min < 0 && !fusedAtZero) variables.Add((tensor, End.Min));
            }
        }
        IReadOnlyDictionary<string, FloatRange> RangesAt(double[] x)
        {
            var ranges = new Dictionary<string, FloatRange>(initRanges, StringComparer.Ordinal);
            for (int i = 0; i < variables.Count; i++)
            {
                var (tensor, end) = variables[i];
                float factor = (float)Math.Exp(x[i]);
                var r = ranges[tensor];
                ranges[tensor] = end switch
                {
                    End.Max => r with { Max = r.Max * factor },
                    End.Min => r with { Min = r.Min * factor },
                    _ => new FloatRange(r.Min * factor, r.Max * factor),
                };
            }
            return ranges;
        }
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"lapq: starting from L{norm:0.#} (output loss {initLoss:G5}); Powell's method over {variables.Count} clip values, up to {lapq.Iterations} sweep(s){(lapq.MaxEvaluations is int cap ? $", {cap} evaluations in all" : "")}, on {samples.Count} samples"));
        int initEvaluations = evaluations;
        var options = new PowellOptions
        {
            MaxIterations = lapq.Iterations,
            MaxEvaluations = lapq.MaxEvaluations is int m ? Math.Max(1, m - initEvaluations) : null,
        };
        var outcome = PowellMinimizer.Minimize(x => Loss(RangesAt(x)), new double[variables.Count], options,
            p => log?.Report(string.Create(CultureInfo.InvariantCulture,
                $"lapq: sweep {p.Iteration}/{lapq.Iterations}: output loss {p.Value:G5} ({p.Value / initLoss:P1} of the start), {initEvaluations + p.Evaluations} evaluations, {clock.Elapsed.TotalSeconds:F0} s")),
            cancellationToken);
        var best = RangesAt(outcome.Point);
        var searchedRanges = searched.ToDictionary(t => t, t => best[t], StringComparer.Ordinal);
        var chosen = settings with { SearchedRanges = searchedRanges };
        var result = run.Quantize(chosen);
        clock.Stop();
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"lapq: output loss {initLoss:G5} → {outcome.Value:G5} after {outcome.Iterations} sweep(s), {evaluations} evaluations, {clock.Elapsed.TotalSeconds:F1} s{(outcome.Converged ? " (converged)" : "")}"));
        return new LapqResult(result, chosen, norm, initLoss, outcome.Value, variables.Count, evaluations, outcome.Iterations, samples.Count,
            [.. searched.Select(t => (t, initRanges[t], best[t]))], clock.Elapsed.TotalSeconds);
    }

    private static QuantTarget Target(QuantScheme scheme) => new(scheme.EffectiveBits, scheme.IsSigned, scheme.Mode == QuantMode.Symmetric);

    private enum End { Max, Min, Both }
}
