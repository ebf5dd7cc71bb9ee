using System.Globalization;
using CsvHelper;
using Ptq.IO;
using Ptq.Passes;
using Ptq.Quantization;

namespace Ptq.Reports;

/// <summary>
/// Writes quant_param.csv (MindSpore Lite's layout, one row per quantized tensor): NodeName, NodeType, TensorName,
/// ElementsNum, Dims, Scale, ZeroPoint, Bits, plus Kind, and BiasCorrectionMean/BiasCorrectionMax (the mean and largest
/// |shift| applied to the layer's bias) when bias correction ran. Bits is the width the codes use (4 for a 4-bit
/// activation held in UINT8, 7 for 8 bits with reduce-range). Per-channel scales and zero points are listed
/// space-separated in channel order. Numbers use the invariant culture and round-trip precision.
/// </summary>
internal static class QuantParamCsv
{
    /// <summary>
    /// Writes the file atomically, or as part of <paramref name="commit"/> (appearing together with the model it
    /// describes) when one is given; throws <see cref="PtqException"/> naming the path on I/O errors.
    /// </summary>
    public static void Write(string path, IReadOnlyList<QuantizedTensorRecord> tensors, IReadOnlyList<BiasCorrectionRecord> corrections,
        AtomicCommit? commit = null) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            using var csv = CsvWriter.Create(writer, new CsvWriterOptions(), true);
            bool withCorrection = corrections.Count > 0;
            foreach (string header in Headers(withCorrection))
                csv.WriteField(header);
            csv.EndRecord();
            var byNode = corrections.ToDictionary(c => c.Node, StringComparer.Ordinal);
            foreach (var t in tensors)
            {
                csv.WriteField(t.NodeName);
                csv.WriteField(t.NodeType);
                csv.WriteField(t.TensorName);
                csv.WriteField(t.Kind);
                WriteTensorFields(csv, t);
                if (withCorrection)
                {
                    var c = t.Kind == "Bias" ? byNode.GetValueOrDefault(t.NodeName) : null;
                    csv.WriteField(c is null ? "" : c.MeanShift.ToString("R", CultureInfo.InvariantCulture));
                    csv.WriteField(c is null ? "" : c.MaxShift.ToString("R", CultureInfo.InvariantCulture));
                }
                csv.EndRecord();
            }
        }, commit);

    /// <summary>The columns ElementsNum, Dims, Scale, ZeroPoint and Bits of <paramref name="t"/> (also in MindSpore's layout).</summary>
    internal static void WriteTensorFields(CsvWriter csv, QuantizedTensorRecord t)
    {
        long elements = t.Dims.Length == 0 ? 0 : t.Dims.Aggregate(1L, (a, d) => a * d);
        csv.WriteField(elements == 0 ? "" : elements.ToString(CultureInfo.InvariantCulture));
        csv.WriteField(t.Dims.Length == 0 ? "" : "[" + string.Join(",", t.Dims) + "]");
        csv.WriteField(string.Join(" ", t.Parameters.Scales.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
        csv.WriteField(string.Join(" ", t.Parameters.ZeroPoints));
        csv.WriteField(t.Parameters.Scheme.EffectiveBits.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The header row.</summary>
    public static IReadOnlyList<string> Headers(bool withBiasCorrection) =>
        withBiasCorrection
            ? ["NodeName", "NodeType", "TensorName", "Kind", "ElementsNum", "Dims", "Scale", "ZeroPoint", "Bits", "BiasCorrectionMean", "BiasCorrectionMax"]
            : ["NodeName", "NodeType", "TensorName", "Kind", "ElementsNum", "Dims", "Scale", "ZeroPoint", "Bits"];
}
