using System.Numerics;

namespace Ptq.Quantization.Reconstruction;

/// <summary>Knobs of <see cref="AdaRoundKernel"/> (the paper's values unless measured otherwise).</summary>
/// <param name="Iterations">Adam steps.</param>
/// <param name="LearningRate">Adam step size on the rounding variables.</param>
/// <param name="Regularization">λ, the weight of the rounding regulariser against the mean square output error.</param>
/// <param name="WarmUp">Fraction of the steps run without the regulariser.</param>
/// <param name="BetaStart">β of the regulariser when it starts (soft).</param>
/// <param name="BetaEnd">β at the last step (sharp).</param>
internal sealed record AdaRoundOptions(int Iterations, float LearningRate = 1e-2f, float Regularization = 0.01f, float WarmUp = 0.2f,
    float BetaStart = 20, float BetaEnd = 2);

/// <summary>
/// AdaRound (Nagel et al., 2020): learns for every weight whether to round down or up. A weight w with scale s becomes
/// <c>s·(clamp(⌊w/s⌋ + h(V) + z, qmin, qmax) − z)</c> with the rectified sigmoid
/// <c>h(V) = clamp(σ(V)·(ζ − γ) + γ, 0, 1)</c> (ζ = 1.1, γ = −0.1), V starting at the fraction w/s − ⌊w/s⌋. Adam
/// minimises the mean square output error per output, <c>(1/rows)·Σ_r (ŵ_r − w_r)·C·(ŵ_r − w_r)ᵀ</c> in units of one
/// step's error (<see cref="ReconstructionUnit"/>), plus
/// <c>λ·Σ (1 − |2h(V) − 1|^β)</c> after a warm-up, β decaying from 20 to 2 on a cosine (AIMET's schedule), which pushes
/// every h to 0 or 1; the last h decides down (&lt; ½) or up. Working on C = E[x·xᵀ] rather than on batches of inputs makes
/// each step cost one rows × columns × columns product (<see cref="MatrixKernels"/>) whatever the number of samples, and
/// the gradient is exact over all of them. The per-weight work is one fused SIMD pass (<see cref="Vector{T}"/>, any
/// width) per step, in parallel chunks. Deterministic.
/// </summary>
internal static class AdaRoundKernel
{
    private const float Zeta = 1.1f;
    private const float Gamma = -0.1f;
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;
    private const int Chunk = 1 << 13;

    /// <summary>
    /// Codes on <paramref name="grid"/> for <paramref name="weights"/> (rows × <paramref name="columns"/>, row-major; not
    /// modified), with <paramref name="gram"/> = E[x·xᵀ] of the inputs (columns × columns).
    /// </summary>
    public static int[] Quantize(float[] weights, int columns, double[] gram, RowGrid grid, AdaRoundOptions options)
    {
        int rows = grid.Rows, count = rows * columns;
        if (weights.Length != count || gram.Length != columns * columns)
            throw new ArgumentException($"AdaRound of {rows}×{columns}: {weights.Length} weights and a Gram matrix of {gram.Length} do not fit");
        var state = new State(weights, columns, grid);
        var c = gram.Select(x => (float)x).ToArray();
        int warm = (int)(options.WarmUp * options.Iterations);
        float toReconstruction = (float)(2.0 / (rows * ReconstructionUnit(gram, columns, grid)));
        ForChunks(count, (from, to) => state.Errors(from, to));
        for (int t = 0; t < options.Iterations; t++)
        {
            MatrixKernels.Multiply(state.Error, c, state.Gradient, rows, columns, columns);
            var step = new Step(
                Rate: options.LearningRate * MathF.Sqrt(1 - MathF.Pow(Beta2, t + 1)) / (1 - MathF.Pow(Beta1, t + 1)),
                ToReconstruction: toReconstruction,
                Regularization: t >= warm ? options.Regularization : 0,
                Beta: t >= warm ? Beta(options, t, warm) : 2);
            ForChunks(count, (from, to) => state.Update(from, to, step));
        }
        var codes = new int[count];
        for (int i = 0; i < count; i++)
            codes[i] = (int)Math.Clamp(state.Floor[i] + (state.V[i] >= 0 ? 1 : 0) + state.Zero[i], grid.QMin, grid.QMax);
        return codes;
    }

    /// <summary>
    /// The mean square output error of moving every weight by one step with uncorrelated inputs, <c>mean(s²)·mean(diag C)</c>:
    /// the reconstruction term is divided by it, so it is measured in steps and λ weighs the regulariser against it the
    /// same way in every layer, and the codes do not depend on the units of the inputs or weights. Without it the balance
    /// followed those units: SqueezeNet (fed 0–255 pixels; the unit is 15 in its first Conv, 0.7–43 in the others) kept
    /// 21 % of round-to-nearest's output error in its first Conv and 58 % in the next, instead of 5 % and 36 %.
    /// </summary>
    private static double ReconstructionUnit(double[] gram, int columns, RowGrid grid)
    {
        double diagonal = 0, squares = 0;
        for (int i = 0; i < columns; i++)
            diagonal += gram[i * columns + i];
        foreach (float scale in grid.Scales)
            squares += (double)scale * scale;
        double unit = diagonal / columns * (squares / grid.Scales.Length);
        return unit > 0 && double.IsFinite(unit) ? unit : 1;
    }

    private static float Beta(AdaRoundOptions options, int t, int warm)
    {
        float progress = (t - warm) / (float)Math.Max(1, options.Iterations - warm);
        return options.BetaEnd + 0.5f * (options.BetaStart - options.BetaEnd) * (1 + MathF.Cos(progress * MathF.PI));
    }

    private static void ForChunks(int count, Action<int, int> body)
    {
        int chunks = (count + Chunk - 1) / Chunk;
        if (chunks == 1)
            body(0, count);
        else
            Parallel.For(0, chunks, k => body(k * Chunk, Math.Min(count, (k + 1) * Chunk)));
    }

    /// <summary>One Adam step's constants: bias-corrected rate, gradient factor of the reconstruction term, λ (0 in the warm-up) and β.</summary>
    private readonly record struct Step(float Rate, float ToReconstruction, float Regularization, float Beta);

    /// <summary>Per-weight arrays: the weight, its grid (floor, zero point, scale), V, Adam's moments, the error Ŵ − W and its gradient.</summary>
    private sealed class State
    {
        private readonly float[] _weights, _scale, _m, _s;
        private readonly float _qmin, _qmax;

        public State(float[] weights, int columns, RowGrid grid)
        {
            int count = weights.Length;
            _weights = weights;
            _scale = new float[count];
            Zero = new float[count];
            Floor = new float[count];
            V = new float[count];
            _m = new float[count];
            _s = new float[count];
            Error = new float[count];
            Gradient = new float[count];
            _qmin = grid.QMin;
            _qmax = grid.QMax;
            for (int i = 0; i < count; i++)
            {
                int r = i / columns;
                _scale[i] = grid.Scales[r];
                Zero[i] = grid.ZeroPoints[r];
                float x = weights[i] / _scale[i];
                Floor[i] = MathF.Floor(x);
                // h(V) starts at the fraction, so the soft weights start exactly at W.
                float fraction = Math.Clamp(x - Floor[i], 0.01f, 0.99f);
                V[i] = -MathF.Log((Zeta - Gamma) / (fraction - Gamma) - 1);
            }
        }

        public float[] Floor { get; }
        public float[] Zero { get; }
        public float[] V { get; }
        public float[] Error { get; }
        public float[] Gradient { get; }

        /// <summary>Error = s·(clamp(⌊w/s⌋ + h(V) + z) − z) − w over [from, to).</summary>
        public void Errors(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                float h = Math.Clamp(Sigmoid(V[i]) * (Zeta - Gamma) + Gamma, 0, 1);
                Error[i] = (Math.Clamp(Floor[i] + h + Zero[i], _qmin, _qmax) - Zero[i]) * _scale[i] - _weights[i];
            }
        }

        /// <summary>One Adam step on V over [from, to) from <see cref="Gradient"/> (= Error·C), then the new errors.</summary>
        public void Update(int from, int to, Step step)
        {
            int width = Vector<float>.Count, i = from;
            for (; i + width <= to; i += width)
                UpdateVector(i, step);
            for (; i < to; i++)
                UpdateScalar(i, step);
        }

        private void UpdateVector(int i, Step step)
        {
            var v = new Vector<float>(V, i);
            var sigmoid = Vector<float>.One / (Vector<float>.One + Vector.Exp(-v));
            var raw = sigmoid * (Zeta - Gamma) + new Vector<float>(Gamma);
            var h = Vector.Min(Vector.Max(raw, Vector<float>.Zero), Vector<float>.One);
            var floor = new Vector<float>(Floor, i);
            var zero = new Vector<float>(Zero, i);
            var unclamped = floor + h + zero;
            var qmin = new Vector<float>(_qmin);
            var qmax = new Vector<float>(_qmax);
            var inRange = Vector.BitwiseAnd(Vector.GreaterThanOrEqual(unclamped, qmin), Vector.LessThanOrEqual(unclamped, qmax));
            var scale = new Vector<float>(_scale, i);
            var dh = step.ToReconstruction * new Vector<float>(Gradient, i) * Vector.ConditionalSelect(inRange, scale, Vector<float>.Zero);
            if (step.Regularization > 0)
            {
                var d = 2f * h - Vector<float>.One;
                var power = Vector.Exp((step.Beta - 1) * Vector.Log(Vector.Abs(d)));
                dh -= (2f * step.Regularization * step.Beta) * Vector.ConditionalSelect(Vector.LessThan(d, Vector<float>.Zero), -power, power);
            }
            var inside = Vector.BitwiseAnd(Vector.GreaterThan(raw, Vector<float>.Zero), Vector.LessThan(raw, Vector<float>.One));
            var g = Vector.ConditionalSelect(inside, dh * sigmoid * (Vector<float>.One - sigmoid) * (Zeta - Gamma), Vector<float>.Zero);
            var m = Beta1 * new Vector<float>(_m, i) + (1 - Beta1) * g;
            var s = Beta2 * new Vector<float>(_s, i) + (1 - Beta2) * g * g;
            v -= step.Rate * m / (Vector.SquareRoot(s) + new Vector<float>(Epsilon));
            m.CopyTo(_m, i);
            s.CopyTo(_s, i);
            v.CopyTo(V, i);
            var next = Vector.Min(Vector.Max(Vector<float>.One / (Vector<float>.One + Vector.Exp(-v)) * (Zeta - Gamma) + new Vector<float>(Gamma), Vector<float>.Zero), Vector<float>.One);
            var code = Vector.Min(Vector.Max(floor + next + zero, qmin), qmax);
            ((code - zero) * scale - new Vector<float>(_weights, i)).CopyTo(Error, i);
        }

        private void UpdateScalar(int i, Step step)
        {
            float sigmoid = Sigmoid(V[i]);
            float raw = sigmoid * (Zeta - Gamma) + Gamma;
            float h = Math.Clamp(raw, 0, 1);
            float unclamped = Floor[i] + h + Zero[i];
            float dh = step.ToReconstruction * Gradient[i] * (unclamped >= _qmin && unclamped <= _qmax ? _scale[i] : 0);
            if (step.Regularization > 0)
            {
                float d = 2 * h - 1;
                dh -= 2 * step.Regularization * step.Beta * MathF.CopySign(MathF.Exp((step.Beta - 1) * MathF.Log(MathF.Abs(d))), d);
            }
            float g = raw is > 0 and < 1 ? dh * sigmoid * (1 - sigmoid) * (Zeta - Gamma) : 0;
            _m[i] = Beta1 * _m[i] + (1 - Beta1) * g;
            _s[i] = Beta2 * _s[i] + (1 - Beta2) * g * g;
            V[i] -= step.Rate * _m[i] / (MathF.Sqrt(_s[i]) + Epsilon);
            Errors(i, i + 1);
        }

        private static float Sigmoid(float v) => 1 / (1 + MathF.Exp(-v));
    }
}
