namespace Ptq.Calibration;

/// <summary>
/// ACIQ optimal clipping (Banner, Nahshan, Soudry, "Post-training 4-bit quantization", 2019), in units of the scale (b or σ).
/// Quantizing [−α, α] to 2^M levels adds rounding noise Δ²/12 with Δ = 2α/2^M, i.e. α²/(3·4^M); values beyond α add the
/// clipping error. For Laplace(0, b) each tail contributes ∫_α^∞ (x−α)²·e^(−x/b)/(2b) dx = b²·e^(−α/b), so
///   E(α) = 2b²·e^(−α/b) + α²/(3·4^M),  E'(α) = 0 ⇔ α = 3·4^M·b·e^(−α/b).
/// For N(0, σ²) each tail contributes (α² + σ²)·Q(α/σ) − α·σ·φ(α/σ) (Q = 1 − Φ), so
///   E(α) = 2[(α² + σ²)·Q(α/σ) − α·σ·φ(α/σ)] + α²/(3·4^M).
/// Minimizing numerically gives the published tables (reproduced by the tests to ±0.01):
///   Laplace α/b: {2: 2.83, 3: 3.89, 4: 5.03, 5: 6.2, 6: 7.41, 7: 8.64, 8: 9.89}
///   Gauss   α/σ: {2: 1.71, 3: 2.15, 4: 2.55, 5: 2.94, 6: 3.29, 7: 3.61, 8: 3.92}
/// Other M are solved with the same objective. Half range (x ≥ 0, e.g. after ReLU): one tail of twice the density and
/// noise α²/(12·4^M) = α²/(3·4^(M+1)) on [0, α] — the same objective with M+1, so half-range callers pass M+1.
/// </summary>
internal static class AciqAlpha
{
    private static readonly double[] LaplaceTable = [0, 0, 2.83, 3.89, 5.03, 6.2, 7.41, 8.64, 9.89];
    private static readonly double[] GaussTable = [0, 0, 1.71, 2.15, 2.55, 2.94, 3.29, 3.61, 3.92];

    /// <summary>α/b for a Laplace distribution quantized to 2^<paramref name="m"/> levels.</summary>
    public static double Laplace(int m) => m is >= 2 and <= 8 ? LaplaceTable[m] : SolveLaplace(m);

    /// <summary>α/σ for a Gaussian quantized to 2^<paramref name="m"/> levels.</summary>
    public static double Gauss(int m) => m is >= 2 and <= 8 ? GaussTable[m] : SolveGauss(m);

    /// <summary>Minimizer of 2e^(−x) + x²/(3·4^m).</summary>
    public static double SolveLaplace(int m)
    {
        double noise = 1 / (3 * Math.Pow(4, m));
        return GoldenSection(x => 2 * Math.Exp(-x) + x * x * noise, 0, 80);
    }

    /// <summary>Minimizer of 2[(x²+1)Q(x) − xφ(x)] + x²/(3·4^m).</summary>
    public static double SolveGauss(int m)
    {
        double noise = 1 / (3 * Math.Pow(4, m));
        return GoldenSection(x => 2 * ((x * x + 1) * 0.5 * Erfc(x / Math.Sqrt(2)) - x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI)) + x * x * noise, 0, 40);
    }

    private static double GoldenSection(Func<double, double> f, double a, double b)
    {
        double g = (Math.Sqrt(5) - 1) / 2;
        for (int k = 0; k < 200; k++)
        {
            double c = b - g * (b - a), d = a + g * (b - a);
            if (f(c) < f(d))
            {
                b = d;
            }
            else
            {
                a = c;
            }
        }
        return (a + b) / 2;
    }

    /// <summary>Complementary error function, Numerical Recipes erfcc (relative error &lt; 1.2e-7).</summary>
    internal static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
