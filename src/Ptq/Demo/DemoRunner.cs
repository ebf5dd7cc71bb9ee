using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Recipes;
using Ptq.Reports;

namespace Ptq.Demo;

/// <summary>What <c>ptq demo</c> did and measured.</summary>
/// <param name="Fp32Path">The float model written.</param>
/// <param name="Int8Path">The quantized model written.</param>
/// <param name="QuantParamPath">quant_param.csv written next to the quantized model.</param>
/// <param name="Quantization">What <see cref="Quantizer"/> produced: summary, the accuracy guard's check, verification.</param>
/// <param name="Evaluation">int8 against fp32 on held-out samples: agreement, cosine, SQNR, latency, sizes.</param>
/// <param name="CalibrationSamples">Samples used to calibrate.</param>
/// <param name="Debug">The debug report of the int8 model against fp32 on held-out samples.</param>
/// <param name="DebugFiles">debug_stats.csv, layer_errors.csv and report.html, as written.</param>
internal sealed record DemoReport(string Fp32Path, string Int8Path, string QuantParamPath, QuantizationResult Quantization,
    EvaluationReport Evaluation, int CalibrationSamples, DebugReport Debug, IReadOnlyList<string> DebugFiles)
{
    /// <summary>Every file the demo wrote, in the order it wrote them.</summary>
    public IReadOnlyList<string> Files => [Fp32Path, Int8Path, QuantParamPath, .. DebugFiles];
}

/// <summary>
/// The whole pipeline on the built-in sample model, with no files or network needed: build → save fp32 → calibrate on
/// synthetic images → quantize (default recipe, accuracy guard included) → save int8 and quant_param.csv → evaluate int8 against fp32 on
/// other synthetic images, latency included → debug report (<see cref="DebugReportFiles"/>) on held-out images. Each step
/// reports what it starts to the log, numbered (<c>1/4 …</c>).
/// </summary>
internal static class DemoRunner
{
    /// <summary>Runs the demo writing into <paramref name="outputDirectory"/> (created if missing).</summary>
    public static DemoReport Run(string outputDirectory, int calibrationSamples = 64, int evaluationSamples = 256,
        IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDirectory);
        string fp32Path = Path.Combine(outputDirectory, "demo.fp32.onnx");
        string int8Path = Path.Combine(outputDirectory, "demo.int8.onnx");

        const int steps = 4;
        log?.Report($"1/{steps} building the sample model (residual CNN, 3x32x32 -> 10 classes, seeded weights): {fp32Path}");
        using (var built = DemoModel.Build())
            ModelIO.Save(built, fp32Path);
        using var fp32 = ModelIO.Load(fp32Path);

        log?.Report($"2/{steps} calibrating on {calibrationSamples} synthetic images and quantizing with the default recipe");
        var samples = CalibrationSources.FromSamples(ModelInputs.Of(fp32), [.. DemoData.Samples(calibrationSamples)]);
        var result = Quantizer.Quantize(fp32, QuantizationRecipe.Default, samples, log: log, cancellationToken: cancellationToken);
        string csvPath = result.Save(int8Path);

        log?.Report($"3/{steps} evaluating int8 against fp32 on {evaluationSamples} other images, latency included");
        using var int8 = ModelIO.Load(int8Path);
        var evaluation = Evaluator.Evaluate(int8, fp32, DemoData.Samples(evaluationSamples, first: 100_000), labels: null,
            new EvaluationOptions { IntraOpThreads = 1, LatencyRuns = 200, WarmupRuns = 20 }, cancellationToken: cancellationToken);

        log?.Report($"4/{steps} comparing every quantized tensor with fp32 for the debug report: {Path.Combine(outputDirectory, DebugReportFiles.HtmlFile)}");
        var debug = Debugger.Run(fp32, int8, DemoData.Feeds(DebugOptions.Default.Samples, first: 200_000),
            new DebugOptions { IntraOpThreads = 1 }, cancellationToken);
        var debugFiles = DebugReportFiles.Write(debug, outputDirectory, Path.GetFileName(fp32Path), Path.GetFileName(int8Path));
        return new DemoReport(fp32Path, int8Path, csvPath, result, evaluation, calibrationSamples, debug, debugFiles);
    }
}
