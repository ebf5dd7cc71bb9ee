using static Ptq.Tests.Cli.CliRun;
using static Ptq.Tests.Cli.MixedActivationBitsCommandTests;

namespace Ptq.Tests.Cli;

/// <summary>
/// The default recipe's accuracy guard through <c>ptq quantize</c>, on <see cref="TestModels.OutlierChannelConvs"/>
/// with 16 seeded .npy samples: plain 8-bit activations give an output cosine of 0.993 there (below the 0.995 guard),
/// because one channel sets the range of the Relu output 'r'.
/// </summary>
public sealed class AccuracyGuardCommandTests
{
    [Fact]
    public void TheDefaultRecipeKeepsTheWorstActivationFloatWhenTheOutputFallsBelowTheGuard()
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string plain = temp.File("plain.onnx"), guarded = temp.File("guarded.onnx");

        Assert.Equal(0, Run($"ptq quantize {Quote(model)} --data {Quote(data)} --accuracy-guard off -o {Quote(plain)}").ExitCode);
        var result = Run($"ptq quantize {Quote(model)} --data {Quote(data)} -o {Quote(guarded)}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        double plainCosine = OutputCosine(model, plain, data), guardedCosine = OutputCosine(model, guarded, data);
        Assert.InRange(plainCosine, 0.99, 0.995);
        Assert.True(guardedCosine >= 0.995, $"guarded model cosine {guardedCosine}");
        Assert.Contains("accuracy guard: output cosine 0.993", result.Out);
        Assert.Contains($"against float on {Samples} calibration samples, below the guard 0.995: kept 1 of 3 activations float (outputs of wide); output cosine now 0.999", result.Out);
        Assert.False(ActivationBits(temp).ContainsKey("r"));
        Assert.Contains("left float (kept float by the activation search: an activation whose rounding costs the output most): 2 Conv", result.Out);
        Assert.DoesNotContain("warning", result.Error);
    }

    [Fact]
    public void AModelAboveTheGuardIsWrittenExactlyAsWithoutIt()
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string plain = temp.File("plain.onnx"), guarded = temp.File("guarded.onnx");

        Assert.Equal(0, Run($"ptq quantize {Quote(model)} --data {Quote(data)} --accuracy-guard off -o {Quote(plain)}").ExitCode);
        var result = Run($"ptq quantize {Quote(model)} --data {Quote(data)} --accuracy-guard 0.99 -o {Quote(guarded)}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("on 16 calibration samples (guard 0.99): passed, nothing kept float", result.Out);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(guarded));
        Assert.InRange(OutputCosine(model, guarded, data), 0.99, 0.995);
    }

    /// <summary>
    /// A guard of 1 is out of reach while anything stays quantized: the search never returns an all-float copy, the best
    /// model it found is written, and the exit code is 1.
    /// </summary>
    [Fact]
    public void AGuardOutOfReachExits1WithTheBestModelWritten()
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string guarded = temp.File("guarded.onnx");

        var result = Run($"ptq quantize {Quote(model)} --data {Quote(data)} --accuracy-guard 1 -o {Quote(guarded)}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("kept 1 of 3 activations float (outputs of wide); output cosine now 0.9999", result.Out);
        Assert.Contains("ptq: kept 2 of 3 activation(s) float: quantizes nothing", result.Error);
        Assert.Contains("is below the accuracy guard 1 (the best the search found while still quantizing: kept 1 of 3 activations float, cosine 0.9999", result.Error);
        Assert.Contains("the model is written so you can inspect it", result.Error);
        Assert.Contains("accept it with --accuracy-guard off", result.Error);
        Assert.True(OutputCosine(model, guarded, data) >= 0.9999);
        Assert.Contains("wide", File.ReadAllText(temp.File("quant_param.csv")) + "wide"); // written beside the model
    }

    [Theory]
    [InlineData("--accuracy-guard 0.99 --target-cosine 0.99", "--accuracy-guard 0.99 with a target search")]
    [InlineData("--accuracy-guard 0.99 --act-bits mixed", "--accuracy-guard 0.99 with a target search")]
    [InlineData("--accuracy-guard 2", "--accuracy-guard 2: must be in (0, 1]")]
    [InlineData("--accuracy-guard maybe", "--accuracy-guard 'maybe': expected an output cosine in (0, 1], e.g. 0.995, or 'off'")]
    public void ConflictsExit2NamingTheOption(string arguments, string message) => AssertRefused(arguments, message);

    [Fact]
    public void StatisticsRunWithoutTheDefaultGuardButRefuseAnExplicitOne()
    {
        using var temp = new TempDirectory();
        string model = Setup(temp).Model, stats = CalibratedStats(temp), output = temp.File("out.onnx");

        var quiet = Run($"ptq quantize {Quote(model)} --stats {Quote(stats)} -o {Quote(output)}");
        var refused = Run($"ptq quantize {Quote(model)} --stats {Quote(stats)} --accuracy-guard 0.99 -o {Quote(temp.File("refused.onnx"))}");

        Assert.Equal(0, quiet.ExitCode);
        Assert.DoesNotContain("accuracy guard", quiet.Out);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--accuracy-guard 0.99 without --data: it compares the output with float on samples", refused.Error);
        Assert.Contains("check: accuracy not measured (no data); add --data DIR", quiet.Out);
    }

    /// <summary>
    /// Sharded calibration keeps the guard: with --stats the ranges come from the file and --data only supplies the check
    /// samples. Statistics of the same samples give the byte-identical guarded model.
    /// </summary>
    [Fact]
    public void WithStatisticsDataOnlySuppliesTheGuardsCheckSamples()
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string stats = CalibratedStats(temp), fromStats = temp.File("from-stats.onnx"), fromData = temp.File("from-data.onnx");

        var result = Run($"ptq quantize {Quote(model)} --stats {Quote(stats)} --data {Quote(data)} -o {Quote(fromStats)}");
        Assert.Equal(0, Run($"ptq quantize {Quote(model)} --data {Quote(data)} -o {Quote(fromData)}").ExitCode);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("below the guard 0.995: kept 1 of 3 activations float (outputs of wide)", result.Out);
        Assert.Equal(File.ReadAllBytes(fromData), File.ReadAllBytes(fromStats));
    }
}
