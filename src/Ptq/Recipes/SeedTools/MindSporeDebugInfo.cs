using Ptq.Data;
using Ptq.Onnx;
using Ptq.Reports;

namespace Ptq.Recipes;

/// <summary>
/// MindSpore Lite's <c>debug_info_save_path</c>: after a run, the folder gets the per-tensor statistics of the float and
/// the quantized model side by side (<c>debug_stats.csv</c>, MindSpore's columns, from <see cref="Debugger"/> on the
/// first calibration samples), the per-layer errors and HTML report <c>ptq debug</c> writes, and a copy of
/// <c>quant_param.csv</c> (MindSpore's quantization parameter file).
/// </summary>
internal static class MindSporeDebugInfo
{
    /// <summary>Writes the debug files for <paramref name="quantizedPath"/> (quantized from <paramref name="floatModel"/> by <paramref name="recipe"/>) into <paramref name="directory"/>.</summary>
    /// <returns>The files written.</returns>
    /// <exception cref="PtqException">The recipe has no samples to run both models on, or the models cannot be compared.</exception>
    public static IReadOnlyList<string> Write(OnnxModel floatModel, string quantizedPath, string csvPath, QuantizationRecipe recipe, string directory,
        CancellationToken cancellationToken = default)
    {
        if (recipe.Data.Count == 0)
            throw new PtqException($"debug_info_save_path {directory}: MindSpore's debug statistics compare the float and quantized models on samples; " +
                                   "give [data_preprocess_param] calibrate_path (or leave debug_info_save_path out)");
        Directory.CreateDirectory(directory);
        using var quantized = ModelIO.Load(quantizedPath);
        var options = DebugOptions.Default;
        var source = CalibrationSources.Create(floatModel, recipe.Data, recipe.ToSourceOptions() with { Limit = Math.Min(options.Samples, recipe.CalibSize ?? int.MaxValue) });
        var report = Debugger.Run(floatModel, quantized, source.Select(s => (IReadOnlyDictionary<string, Runtime.TensorValue>)s.ToFeeds()), options, cancellationToken);
        var files = DebugReportFiles.Write(report, directory, floatModel.DisplayName, quantized.DisplayName).ToList();
        string csvCopy = Path.Combine(directory, Path.GetFileName(csvPath));
        File.Copy(csvPath, csvCopy, overwrite: true);
        files.Add(csvCopy);
        return files;
    }
}
