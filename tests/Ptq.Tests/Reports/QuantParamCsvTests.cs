using System.Globalization;
using CsvHelper;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Reports;

namespace Ptq.Tests.Reports;

/// <summary>
/// quant_param.csv writes its scale and zero point lists in small pieces (a 4-bit model of gigabytes has millions of
/// block scales per tensor): the file must be exactly what writing each list as one field gives.
/// </summary>
public class QuantParamCsvTests
{
    [Fact]
    public void ListsWrittenInPieces_GiveTheFileOfWholeFields()
    {
        var random = new Random(7);
        float[] blockScales = [.. Enumerable.Range(0, 5000).Select(_ => (float)random.NextDouble() * 0.1f + 1e-6f)];
        int[] blockZeros = [.. Enumerable.Range(0, 5000).Select(_ => random.Next(16))];
        QuantizedTensorRecord[] records =
        [
            new("conv,1", "Conv", "x\"quoted\"", "Activation", [], new QuantParams([0.0123f], [-3], new QuantScheme(8, QuantMode.AsymmetricSigned))),
            new("conv,1", "Conv", "w", "Weight", [4, 3, 3, 3], new QuantParams([0.5f, 1e-8f, 3.25e-5f, 7f], [0, 0, 0, 0], new QuantScheme(8, QuantMode.Symmetric), axis: 0)),
            new("conv,1", "Conv", "b", "Bias", [4], new QuantParams([1e-4f, 2e-4f, 3e-4f, 4e-4f], [0, 0, 0, 0], new QuantScheme(32, QuantMode.Symmetric), axis: 0)),
            new("head", "MatMul", "head.weight", "Weight", [160, 1000], new QuantParams(blockScales, blockZeros, new QuantScheme(4, QuantMode.AsymmetricUnsigned), axis: 0)),
            new("head2", "MatMul", "head2.weight", "Weight", [160, 1000], QuantParams.Deferred(() => blockScales, () => blockZeros, new QuantScheme(4, QuantMode.AsymmetricUnsigned), axis: 0)),
        ];
        BiasCorrectionRecord[] corrections = [new("conv,1", "b", 0.001, 0.0025)];
        using var temp = new TempDirectory();
        foreach (var withCorrections in new[] { corrections, [] })
        {
            string path = temp.File("quant_param.csv");
            QuantParamCsv.Write(path, records, withCorrections);
            Assert.Equal(WholeFields(records, withCorrections), File.ReadAllText(path));
        }
    }

    // How the file was written before: every list joined into one string and written as one field.
    private static string WholeFields(IReadOnlyList<QuantizedTensorRecord> tensors, IReadOnlyList<BiasCorrectionRecord> corrections)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(writer, new CsvWriterOptions(), true))
        {
            foreach (string header in QuantParamCsv.Headers(corrections.Count > 0))
                csv.WriteField(header);
            csv.EndRecord();
            foreach (var t in tensors)
            {
                csv.WriteField(t.NodeName);
                csv.WriteField(t.NodeType);
                csv.WriteField(t.TensorName);
                csv.WriteField(t.Kind);
                long elements = t.Dims.Length == 0 ? 0 : t.Dims.Aggregate(1L, (a, d) => a * d);
                csv.WriteField(elements == 0 ? "" : elements.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(t.Dims.Length == 0 ? "" : "[" + string.Join(",", t.Dims) + "]");
                csv.WriteField(string.Join(" ", t.Parameters.Scales.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
                csv.WriteField(string.Join(" ", t.Parameters.ZeroPoints));
                csv.WriteField(t.Parameters.Scheme.EffectiveBits.ToString(CultureInfo.InvariantCulture));
                if (corrections.Count > 0)
                {
                    var c = t.Kind == "Bias" ? corrections.SingleOrDefault(c => c.Node == t.NodeName) : null;
                    csv.WriteField(c is null ? "" : c.MeanShift.ToString("R", CultureInfo.InvariantCulture));
                    csv.WriteField(c is null ? "" : c.MaxShift.ToString("R", CultureInfo.InvariantCulture));
                }
                csv.EndRecord();
            }
        }
        return writer.ToString();
    }
}
