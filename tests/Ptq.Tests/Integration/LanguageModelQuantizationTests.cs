using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Evaluation.Text;
using Ptq.Onnx;
using Ptq.Quantization;
using Ptq.Recipes;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

/// <summary>
/// char-gpt (issue #16): perplexity on the first 64 windows of its held-back test text (fp32 3.2097) after each
/// weight-only and dynamic recipe, run end to end through <see cref="RecipeQuantizer"/> (verification included), and
/// the model size. Figures measured when written are in each test's comment; the floors leave room for ORT versions.
/// </summary>
public sealed class LanguageModelQuantizationTests(ITestOutputHelper output)
{
    private const double Fp32Perplexity = 3.2097;

    private static readonly QuantizationRecipe FourBitBlock32 = new()
    {
        Mode = QuantizationMode.WeightOnly, WeightBits = 4, WeightMode = QuantMode.AsymmetricUnsigned, BlockSize = 32,
    };

    /// <summary>Block 32, round to nearest, asymmetric, guard off: +6.43 %, 684 KiB of 3.27 MiB (8-bit tied embedding).</summary>
    [Fact]
    public void FourBitRtnBlock32()
    {
        var (perplexity, bytes) = Run(FourBitBlock32 with { AccuracyGuard = QuantizationRecipe.AccuracyGuardOff });
        Assert.InRange(perplexity / Fp32Perplexity - 1, 0, 0.075);
        Assert.InRange(bytes, 0, 0.22 * FloatBytes);
    }

    /// <summary>Block 32, HQQ (fitted float zero points), guard off: +3.19 %, the best 4-bit figure (issue: best ≤ +5 %).</summary>
    [Fact]
    public void FourBitHqqBlock32IsWithinFivePercent()
    {
        var (perplexity, bytes) = Run(FourBitBlock32 with { WeightMethod = WeightMethod.Hqq, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff });
        Assert.InRange(perplexity / Fp32Perplexity - 1, 0, 0.05);
        Assert.InRange(bytes, 0, 0.25 * FloatBytes);
    }

    /// <summary>
    /// Block 32, GPTQ on 64 calibration windows (each layer's codes from its inputs in the model with every earlier layer
    /// already quantized), guard off: +2.45 % (RTN +6.43 %, HQQ +3.19 %); with act-order (block grids fixed from the
    /// original weights, columns by decreasing input energy): +1.17 %, the best 4-bit figure.
    /// </summary>
    [Theory]
    [InlineData(false, 0.03)]
    [InlineData(true, 0.02)]
    public void FourBitGptqBlock32BeatsHqq(bool actOrder, double ceiling)
    {
        var (perplexity, bytes) = Run(FourBitBlock32 with { WeightMethod = WeightMethod.Gptq, ActOrder = actOrder, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff });
        Assert.InRange(perplexity / Fp32Perplexity - 1, 0, ceiling);
        Assert.InRange(bytes, 0, 0.22 * FloatBytes);
    }

    /// <summary>
    /// Block 32, AWQ (per-activation α searched on 64 calibration windows, then per-block clip search), guard off: +5.28 %;
    /// better than RTN (+6.43 %), worse than HQQ and GPTQ on this model (scaling alone: +6.10 %).
    /// </summary>
    [Fact]
    public void FourBitAwqBlock32BeatsRoundToNearest()
    {
        var (perplexity, _) = Run(FourBitBlock32 with { WeightMethod = WeightMethod.Awq, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff });
        Assert.InRange(perplexity / Fp32Perplexity - 1, 0, 0.06);
    }

    /// <summary>
    /// The default guard (cosine 0.995 on the logits of 32 calibration windows) finds RTN at 0.99145 and gives the first
    /// block's qkv projection 8-bit blocks: 0.99672, perplexity +2.33 %, 726 KB. Before the ranking could read
    /// MatMulNBits weights it kept that projection float instead: 0.99684, +2.36 %, 866 KB.
    /// </summary>
    [Fact]
    public void AccuracyGuardRaisesTheFirstProjectionTo8Bits()
    {
        var (perplexity, bytes) = Run(FourBitBlock32, result =>
        {
            Assert.InRange(result.Guard!.PlainCosine, 0.985, 0.995);
            Assert.Equal(8, result.Guard.Search!.RaisedToBits);
            Assert.Equal(["/blocks.0/qkv/MatMul"], result.Guard.Search.Reverted.Select(r => r.Node));
        });
        Assert.InRange(perplexity / Fp32Perplexity - 1, 0, 0.035);
        Assert.InRange(bytes, 0, 0.235 * FloatBytes);
    }

    /// <summary>Dynamic int8 (per-column int8 MatMul weights, bias folded in, activations per inference): +0.64 % (issue: ≤ +2 %).</summary>
    [Fact]
    public void DynamicInt8IsWithinTwoPercent()
    {
        var (perplexity, _) = Run(new QuantizationRecipe { Mode = QuantizationMode.Dynamic });
        Assert.InRange(perplexity / Fp32Perplexity - 1, -0.01, 0.02);
    }

    /// <summary>
    /// Static W8A8 (default settings) loses +1.63 %; SmoothQuant α 0.5 (the 9 LayerNorm → qkv / fc1 / head activations
    /// smoothed) +0.72 %, logits SQNR 23.4 → 24.7 dB.
    /// </summary>
    [Fact]
    public void SmoothQuantHalvesTheStaticW8A8Loss()
    {
        var (plain, _) = Run(new QuantizationRecipe());
        var (smoothed, _) = Run(new QuantizationRecipe { SmoothQuant = 0.5 });
        Assert.InRange(smoothed / Fp32Perplexity - 1, 0, 0.01);
        Assert.True(smoothed / Fp32Perplexity - 1 < 0.7 * (plain / Fp32Perplexity - 1), $"perplexity {plain} → {smoothed}");
    }

    /// <summary>
    /// SmoothQuant with α searched per activation (<c>--smooth-quant auto</c>): +0.49 % (α 0.5 for all: +0.72 %, α 0.7:
    /// +0.57 %).
    /// </summary>
    [Fact]
    public void SmoothQuantSearchedPerActivationBeatsOneAlpha()
    {
        var (searched, _) = Run(new QuantizationRecipe { SmoothQuant = QuantizationRecipe.SmoothQuantAuto });
        Assert.InRange(searched / Fp32Perplexity - 1, 0, 0.006);
    }

    /// <summary>
    /// Dynamic int8 with SmoothQuant α searched per activation against each sample's own activation range: +0.50 % (α 0.5:
    /// +0.48 %, none: +0.64 %).
    /// </summary>
    [Fact]
    public void DynamicInt8WithSmoothQuantSearchIsWithinOnePercent()
    {
        var (perplexity, _) = Run(new QuantizationRecipe { Mode = QuantizationMode.Dynamic, SmoothQuant = QuantizationRecipe.SmoothQuantAuto });
        Assert.InRange(perplexity / Fp32Perplexity - 1, -0.01, 0.01);
    }

    /// <summary>Dynamic int8 with SmoothQuant α 0.5: +0.48 % (without: +0.64 %).</summary>
    [Fact]
    public void DynamicInt8WithSmoothQuantIsWithinOnePercent()
    {
        var (perplexity, _) = Run(new QuantizationRecipe { Mode = QuantizationMode.Dynamic, SmoothQuant = 0.5 });
        Assert.InRange(perplexity / Fp32Perplexity - 1, -0.01, 0.01);
    }

    private static long FloatBytes => new FileInfo(Assets.Model("char-gpt.onnx")).Length;

    private (double Perplexity, long Bytes) Run(QuantizationRecipe recipe, Action<RecipeQuantizationResult>? check = null)
    {
        using var model = ModelIO.Load(Assets.Model("char-gpt.onnx"));
        // The calibration windows serve as check samples (the guard); the test text is never seen before evaluation.
        var result = RecipeQuantizer.Run(model, recipe with { Data = [Assets.Get("text", "char-gpt-calib")] });
        Assert.Null(result.Shortfall);
        check?.Invoke(result);
        var quantized = result.Result.Model;
        var text = TextWindowSource.Open(Assets.Get("text", "char-gpt.test.txt"), Assets.Model("char-gpt.vocab.json"), ModelInputs.Of(model), limit: 64);
        var report = Evaluator.EvaluateLanguageModel(quantized, model, text, text, new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 1 });
        Assert.InRange(report.ReferencePerplexity!.Perplexity, Fp32Perplexity - 0.0005, Fp32Perplexity + 0.0005);
        long bytes = ModelIO.ToBytes(quantized).Length;
        output.WriteLine($"{RecipeYamlWriter.Write(recipe).Split('\n')[0]}: perplexity {report.Perplexity!.Perplexity:F4} ({100 * (report.Perplexity.Perplexity / Fp32Perplexity - 1):+0.00} %), " +
            $"agreement per position {report.Comparison!.AgreementPercent:F2} %, guard cosine {result.CheckCosine:F5}, {bytes:N0} bytes");
        return (report.Perplexity.Perplexity, bytes);
    }
}
