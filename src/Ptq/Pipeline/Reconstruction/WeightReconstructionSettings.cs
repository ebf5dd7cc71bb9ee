using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>
/// How GPTQ and AdaRound weight reconstruction (<see cref="WeightMethod.Gptq"/>, <see cref="WeightMethod.AdaRound"/>)
/// use the calibration data. The grid (scales and zero points) is the one the weight method's range gives; reconstruction
/// only chooses each weight's code on it.
/// </summary>
internal sealed record WeightReconstructionSettings
{
    /// <summary>Default <see cref="Samples"/>.</summary>
    public const int DefaultSamples = 64;

    /// <summary>Default <see cref="Iterations"/>.</summary>
    public const int DefaultIterations = 1000;

    /// <summary>
    /// Calibration samples whose layer inputs are used (spread evenly over the calibration set; default <see cref="DefaultSamples"/>). They are
    /// held in memory and run once per stage of layers through the float and the partly reconstructed model.
    /// </summary>
    public int Samples { get; init; } = DefaultSamples;

    /// <summary>GPTQ: round columns in order of decreasing input energy (act-order) instead of weight order. Default off.</summary>
    public bool ActOrder { get; init; }

    /// <summary>
    /// Layers (node names) whose codes stay round-to-nearest: the ones a search raised to 8-bit weights (the mixed
    /// weight-bit search, the accuracy guard). Reconstruction at 8 bits lost accuracy on SqueezeNet (bench/README.md,
    /// "Low-bit weights": 95.00 % agreement against round-to-nearest's 97.75 %), and it made each step slower.
    /// </summary>
    public IReadOnlySet<string> RoundToNearest { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>AdaRound: optimisation steps per layer (default <see cref="DefaultIterations"/>).</summary>
    public int Iterations { get; init; } = DefaultIterations;

    /// <summary>Reconstruct toward the float layer reading float inputs (AdaRound's asymmetric objective) rather than toward W on quantized inputs.</summary>
    internal bool Asymmetric { get; init; } = true;

    /// <summary>
    /// How far the asymmetric target moves from W toward W* (0 = W, 1 = W*): W* also fits the upstream rounding of the
    /// calibration samples, which need not carry over to other inputs.
    /// </summary>
    internal double TargetBlend { get; init; } = 1;

    /// <summary>Default <see cref="TargetDamping"/>.</summary>
    internal const double DefaultTargetDamping = 0.1;

    /// <summary>
    /// Ridge of the asymmetric target only, as a fraction of the mean input energy (like <see cref="Damping"/>; NaN uses
    /// <see cref="Damping"/>), default <see cref="DefaultTargetDamping"/>. W* − W is a regression of the upstream
    /// rounding error on the quantized inputs; a ridge ten times GPTQ's shrinks it where the calibration inputs vary
    /// little, the directions it is fitted worst in and other images differ most in, without changing how GPTQ rounds
    /// (measured in bench/README.md, "Regularising the asymmetric target": SqueezeNet W4A8 GPTQ held-out cosine
    /// 0.930 → 0.942 over three choices of reconstruction images, CIFAR-10 slightly better, MNIST unchanged).
    /// </summary>
    internal double TargetDamping { get; init; } = DefaultTargetDamping;

    /// <summary>
    /// QDrop-style mixing (Wei et al., 2022): each input element of the layer is taken from the quantized model with this
    /// probability and from the float model otherwise, independently, and the objective <c>E‖W·x − Ŵ·x̃‖²</c> is solved
    /// in expectation over that mixing (1 = quantized inputs only, the asymmetric objective; 0 = float inputs only). Below
    /// 1 the float inputs' Gram matrix is gathered too.
    /// </summary>
    internal double QuantizedInputShare { get; init; } = 1;

    /// <summary>AdaRound's Adam step size.</summary>
    internal float LearningRate { get; init; } = 1e-2f;

    /// <summary>AdaRound's regulariser weight λ.</summary>
    internal float Regularization { get; init; } = 0.01f;

    /// <summary>The ranges the codes are reconstructed on: min-max or MSE-optimal clips per channel.</summary>
    internal WeightMethod Grid { get; init; } = WeightMethod.MinMax;

    /// <summary>Search each output channel's clip for the smallest output error (<see cref="ClipSearch"/>; per-channel weights).</summary>
    internal bool SearchClip { get; init; } = true;

    /// <summary>
    /// Fraction of the mean input energy added to the diagonal of the inputs' Hessian (GPTQ's damping; also the ridge of
    /// the asymmetric target W* when <see cref="TargetDamping"/> is NaN): larger values trust the calibration samples'
    /// input correlations less.
    /// </summary>
    internal double Damping { get; init; } = GptqKernel.DefaultDamping;

    /// <summary>Refit biases to keep each output channel's mean (with centred moments) where the layer has a bias.</summary>
    internal bool RefitBias { get; init; } = true;

    /// <summary>Throws <see cref="PtqException"/> naming the setting at fault.</summary>
    public WeightReconstructionSettings Validate()
    {
        if (Samples < 1)
            throw new SettingException(SettingName.ReconSamples, $"{SettingName.ReconSamples} {Samples}: give at least 1");
        if (Iterations < 1)
            throw new SettingException(SettingName.AdaroundIterations, $"{SettingName.AdaroundIterations} {Iterations}: give at least 1");
        if (!(QuantizedInputShare is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(QuantizedInputShare), QuantizedInputShare, "the share of quantized inputs is a probability");
        return this;
    }
}
