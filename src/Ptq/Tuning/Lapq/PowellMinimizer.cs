namespace Ptq.Tuning.Lapq;

/// <summary>Bounds and tolerances of a <see cref="PowellMinimizer"/> run.</summary>
internal sealed record PowellOptions
{
    /// <summary>Full sweeps over the direction set (each one line search per direction, then the conjugate step). Default 1.</summary>
    public int MaxIterations { get; init; } = 1;

    /// <summary>Function evaluations in all, the starting point included; null: no bound beyond <see cref="MaxIterations"/>.</summary>
    public int? MaxEvaluations { get; init; }

    /// <summary>Half-width of the interval each line search covers, in units of the (max-norm) normalised direction. Default 0.75.</summary>
    public double Reach { get; init; } = 0.75;

    /// <summary>Absolute tolerance of a line search's minimum along its direction. Default 0.02.</summary>
    public double LineTolerance { get; init; } = 0.02;

    /// <summary>Evaluations one line search may spend. Default 12.</summary>
    public int LineEvaluations { get; init; } = 12;

    /// <summary>A sweep that lowers the value by less than this fraction of it ends the search. Default 1e-4.</summary>
    public double RelativeTolerance { get; init; } = 1e-4;
}

/// <summary>What one sweep of <see cref="PowellMinimizer.Minimize"/> reached.</summary>
/// <param name="Iteration">The sweep, from 1.</param>
/// <param name="Value">The least value found so far.</param>
/// <param name="Evaluations">Evaluations spent so far.</param>
internal sealed record PowellProgress(int Iteration, double Value, int Evaluations);

/// <summary>The outcome of <see cref="PowellMinimizer.Minimize"/>.</summary>
/// <param name="Point">The best point found.</param>
/// <param name="Value">The function's value there.</param>
/// <param name="Evaluations">Evaluations spent.</param>
/// <param name="Iterations">Sweeps started.</param>
/// <param name="Converged">True when a sweep gained less than the tolerance (not stopped by a bound).</param>
internal sealed record PowellOutcome(double[] Point, double Value, int Evaluations, int Iterations, bool Converged);

/// <summary>
/// Powell's conjugate-direction method (as in scipy's <c>minimize(method='Powell')</c>, which Distiller's LAPQ calls):
/// minimises a function of many variables without gradients by line searches along a set of directions, starting
/// from the coordinate axes; after each sweep the overall displacement becomes a new direction, replacing the one of
/// largest decrease when Powell's test says the set stays well conditioned. Each line search is Brent's method
/// (parabolic steps with golden-section fallback) on [−reach, reach] around the current point, whose value is known, so
/// it costs no evaluation to start. Deterministic; only points that lower the value are accepted.
/// </summary>
internal static class PowellMinimizer
{
    private const double Golden = 0.3819660112501051;

    /// <summary>
    /// Minimises <paramref name="f"/> from <paramref name="start"/> within <paramref name="options"/>' bounds;
    /// <paramref name="progress"/> hears after each sweep.
    /// </summary>
    public static PowellOutcome Minimize(Func<double[], double> f, double[] start, PowellOptions options, Action<PowellProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(f);
        int n = start.Length;
        int evaluations = 0;
        bool Spent() => options.MaxEvaluations is int max && evaluations >= max;
        double F(double[] x)
        {
            cancellationToken.ThrowIfCancellationRequested();
            evaluations++;
            return f(x);
        }
        var x = (double[])start.Clone();
        double fx = F(x);
        var directions = Enumerable.Range(0, n).Select(i => { var d = new double[n]; d[i] = 1; return d; }).ToList();
        int iteration = 0;
        bool converged = false;
        while (iteration < options.MaxIterations && !Spent() && n > 0)
        {
            iteration++;
            var sweepStart = (double[])x.Clone();
            double fStart = fx;
            double biggest = 0;
            int biggestIndex = 0;
            for (int i = 0; i < directions.Count && !Spent(); i++)
            {
                double before = fx;
                (x, fx) = LineSearch(F, x, fx, directions[i], options, Spent);
                if (before - fx > biggest)
                    (biggest, biggestIndex) = (before - fx, i);
            }
            if (2 * (fStart - fx) <= options.RelativeTolerance * (Math.Abs(fStart) + Math.Abs(fx)) + 1e-20)
            {
                converged = true;
                progress?.Invoke(new PowellProgress(iteration, fx, evaluations));
                break;
            }
            // The sweep's displacement: try the point as far again, and keep the direction when Powell's test allows.
            var displacement = x.Select((v, k) => v - sweepStart[k]).ToArray();
            if (!Spent())
            {
                var extrapolated = x.Select((v, k) => v + displacement[k]).ToArray();
                double fe = F(extrapolated);
                if (fe < fStart)
                {
                    double t = 2 * (fStart - 2 * fx + fe) * Square(fStart - fx - biggest) - biggest * Square(fStart - fe);
                    if (t < 0 && !Spent())
                    {
                        (x, fx) = LineSearch(F, x, fx, displacement, options, Spent);
                        directions[biggestIndex] = directions[^1];
                        directions[^1] = displacement;
                    }
                    else if (fe < fx)
                    {
                        (x, fx) = (extrapolated, fe);
                    }
                }
            }
            progress?.Invoke(new PowellProgress(iteration, fx, evaluations));
        }
        return new PowellOutcome(x, fx, evaluations, iteration, converged);
    }

    /// <summary>
    /// Brent's minimisation of <paramref name="f"/>(x + t·d̂) over t ∈ [−reach, reach], d̂ = <paramref name="direction"/>
    /// scaled to max-norm 1, starting at t = 0 where the value is <paramref name="fx"/>. Returns the best point seen.
    /// </summary>
    internal static (double[] Point, double Value) LineSearch(Func<double[], double> f, double[] x, double fx, double[] direction, PowellOptions options,
        Func<bool> spent)
    {
        double norm = direction.Max(Math.Abs);
        if (norm == 0)
            return (x, fx);
        var unit = direction.Select(v => v / norm).ToArray();
        double[] At(double t) => x.Select((v, k) => v + t * unit[k]).ToArray();
        double a = -options.Reach, b = options.Reach;
        double tx = 0, tw = 0, tv = 0, fw = fx, fv = fx, best = fx;
        double d = 0, e = 0;
        double tol = options.LineTolerance;
        for (int used = 0; used < options.LineEvaluations && !spent(); used++)
        {
            double xm = 0.5 * (a + b);
            if (Math.Abs(tx - xm) <= 2 * tol - 0.5 * (b - a))
                break;
            if (Math.Abs(e) > tol)
            {
                double r = (tx - tw) * (best - fv);
                double q = (tx - tv) * (best - fw);
                double p = (tx - tv) * q - (tx - tw) * r;
                q = 2 * (q - r);
                if (q > 0) p = -p;
                q = Math.Abs(q);
                double previous = e;
                e = d;
                if (Math.Abs(p) >= Math.Abs(0.5 * q * previous) || p <= q * (a - tx) || p >= q * (b - tx))
                {
                    e = tx >= xm ? a - tx : b - tx;
                    d = Golden * e;
                }
                else
                {
                    d = p / q;
                    double trial = tx + d;
                    if (trial - a < 2 * tol || b - trial < 2 * tol)
                        d = xm >= tx ? tol : -tol;
                }
            }
            else
            {
                e = tx >= xm ? a - tx : b - tx;
                d = Golden * e;
            }
            double tu = Math.Abs(d) >= tol ? tx + d : tx + (d >= 0 ? tol : -tol);
            double fu = f(At(tu));
            if (fu <= best)
            {
                if (tu >= tx) a = tx; else b = tx;
                (tv, fv, tw, fw, tx, best) = (tw, fw, tx, best, tu, fu);
            }
            else
            {
                if (tu < tx) a = tu; else b = tu;
                if (fu <= fw || tw == tx)
                    (tv, fv, tw, fw) = (tw, fw, tu, fu);
                else if (fu <= fv || tv == tx || tv == tw)
                    (tv, fv) = (tu, fu);
            }
        }
        return tx == 0 ? (x, fx) : (At(tx), best);
    }

    private static double Square(double v) => v * v;
}
