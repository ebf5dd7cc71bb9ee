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
                WriteTensorFields(csv, writer, t);
                if (withCorrection)
                {
                    var c = t.Kind == "Bias" ? byNode.GetValueOrDefault(t.NodeName) : null;
                    csv.WriteField(c is null ? "" : c.MeanShift.ToString("R", CultureInfo.InvariantCulture));
                    csv.WriteField(c is null ? "" : c.MaxShift.ToString("R", CultureInfo.InvariantCulture));
                }
                csv.EndRecord();
            }
        }, commit);

    /// <summary>
    /// The columns ElementsNum, Dims, Scale, ZeroPoint and Bits of <paramref name="t"/> (also in MindSpore's layout);
    /// <paramref name="text"/> is what <paramref name="csv"/> writes to (the scale and zero point lists go there directly).
    /// </summary>
    internal static void WriteTensorFields(CsvWriter csv, TextWriter text, QuantizedTensorRecord t)
    {
        long elements = t.Dims.Length == 0 ? 0 : t.Dims.Aggregate(1L, (a, d) => a * d);
        csv.WriteField(elements == 0 ? "" : elements.ToString(CultureInfo.InvariantCulture));
        csv.WriteField(t.Dims.Length == 0 ? "" : "[" + string.Join(",", t.Dims) + "]");
        WriteList(csv, text, t.Parameters.Scales, "R");
        WriteList(csv, text, t.Parameters.ZeroPoints, null);
        csv.WriteField(t.Parameters.Scheme.EffectiveBits.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// <paramref name="values"/> space-separated in one field, written to <paramref name="text"/> in small pieces: a 4-bit
    /// model of gigabytes has millions of block scales per tensor, and the writer would buffer the whole field (several
    /// times its size) before writing it. Numbers and spaces need no quoting, so the CSV writer places the delimiter (an
    /// empty field), is flushed, and the list follows it.
    /// </summary>
    private static void WriteList<T>(CsvWriter csv, TextWriter text, T[] values, string? format) where T : ISpanFormattable
    {
        csv.WriteField(ReadOnlySpan<char>.Empty);
        csv.Flush();
        var buffer = new char[Math.Min(1 << 16, 64 + values.Length * 32)];
        int at = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (buffer.Length - at < 64)
            {
                text.Write(buffer, 0, at);
                at = 0;
            }
            if (i > 0)
                buffer[at++] = ' ';
            if (!values[i].TryFormat(buffer.AsSpan(at), out int n, format, CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"{values[i]} does not format in 63 characters");
            at += n;
        }
        text.Write(buffer, 0, at);
    }

    /// <summary>The header row.</summary>
    public static IReadOnlyList<string> Headers(bool withBiasCorrection) =>
        withBiasCorrection
            ? ["NodeName", "NodeType", "TensorName", "Kind", "ElementsNum", "Dims", "Scale", "ZeroPoint", "Bits", "BiasCorrectionMean", "BiasCorrectionMax"]
            : ["NodeName", "NodeType", "TensorName", "Kind", "ElementsNum", "Dims", "Scale", "ZeroPoint", "Bits"];
}
