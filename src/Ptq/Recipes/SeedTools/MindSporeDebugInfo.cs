using System.Globalization;
using CsvHelper;
using Ptq.Data;
using Ptq.IO;
using Ptq.Onnx;
using Ptq.Reports;

namespace Ptq.Recipes;

/// <summary>
/// MindSpore Lite's <c>debug_info_save_path</c> (the recipe's <see cref="QuantizationRecipe.DebugDir"/>): after a run,
/// the folder gets MindSpore's two debug files —
/// <list type="bullet">
/// <item><c>debug_stats.csv</c>, the data distribution report in MindSpore's columns: each tensor's statistics in the
/// float model (Origin) and dequantized (Dequant). With samples (<see cref="QuantizationRecipe.Data"/>) activations and
/// weights on the first samples (<see cref="Debugger"/>, which also writes its layer ranking and HTML report there);
/// without, the weights only (MindSpore's one report for weight quantization).</item>
/// <item><c>quant_param.csv</c> in MindSpore's columns: NodeName, NodeType, TensorName, ElementsNum, Dims, Scale,
/// ZeroPoint, Bits, CorrectionVar, CorrectionMean. Ptq applies no variance/mean correction to dequantized weights, so
/// weights carry 1 and 0; other tensors leave the two empty.</item>
/// </list>
/// </summary>
internal static class MindSporeDebugInfo
{
    /// <summary>The columns of the debug folder's quant_param.csv, MindSpore's names and order.</summary>
    public static IReadOnlyList<string> QuantParamColumns { get; } =
        ["NodeName", "NodeType", "TensorName", "ElementsNum", "Dims", "Scale", "ZeroPoint", "Bits", "CorrectionVar", "CorrectionMean"];

    /// <summary>Writes the debug files for <paramref name="result"/> (quantized from <paramref name="floatModel"/> by <paramref name="recipe"/>) into <paramref name="directory"/>.</summary>
    /// <returns>The files written.</returns>
    /// <exception cref="PtqException">The folder cannot be written, or the models cannot be compared.</exception>
    public static IReadOnlyList<string> Write(OnnxModel floatModel, QuantizationResult result, QuantizationRecipe recipe, string directory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(recipe);
        var files = new List<string>();
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RecipeException(RecipeOptions.DebugDir, $"{RecipeOptions.DebugDir} {directory}: cannot create the folder: {ex.Message}", ex);
        }
        if (result.Run.Result.Tensors.Count > 0)
        {
            if (recipe.Data.Count > 0)
            {
                var options = DebugOptions.Default;
                var source = CalibrationSources.Create(floatModel, recipe.Data, recipe.ToSourceOptions() with { Limit = Math.Min(options.Samples, recipe.CalibSize ?? int.MaxValue) });
                var report = Debugger.Run(floatModel, result.Model, source.Select(s => (IReadOnlyDictionary<string, Runtime.TensorValue>)s.ToFeeds()), options, cancellationToken);
                files.AddRange(DebugReportFiles.Write(report, directory, floatModel.DisplayName, result.Model.DisplayName));
            }
            else
            {
                string stats = Path.Combine(directory, DebugReportFiles.StatsFile);
                var weights = Debugger.CompareWeightsOnly(floatModel, result.Model);
                AtomicFile.WriteText(stats, w => DebugCsv.WriteStats(w, weights));
                files.Add(stats);
            }
        }
        string csv = Path.Combine(directory, "quant_param.csv");
        AtomicFile.WriteText(csv, w => WriteQuantParams(w, result.Run.Result.Tensors));
        files.Add(csv);
        return files;
    }

    /// <summary>Writes quant_param.csv in MindSpore's columns (<see cref="QuantParamColumns"/>), one row per quantized tensor.</summary>
    internal static void WriteQuantParams(TextWriter writer, IEnumerable<Passes.QuantizedTensorRecord> tensors)
    {
        using var csv = CsvWriter.Create(writer, new CsvWriterOptions { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture }, true);
        csv.WriteRecord([.. QuantParamColumns]);
        foreach (var t in tensors)
        {
            bool weight = t.Kind == "Weight";
            csv.WriteField(t.NodeName);
            csv.WriteField(t.NodeType);
            csv.WriteField(t.TensorName);
            Reports.QuantParamCsv.WriteTensorFields(csv, writer, t);
            csv.WriteField(weight ? "1" : "");
            csv.WriteField(weight ? "0" : "");
            csv.EndRecord();
        }
    }
}
