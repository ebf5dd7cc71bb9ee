using System.Globalization;
using System.Text;
using Ptq.Calibration;
using Ptq.Demo;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Tests.Cli;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// The quantized graph and its parameters for the demo's Conv-BN-ReLU-Add-MaxPool-Gemm model (min-max ranges, 16 seeded
/// samples, every op quantized) against checked-in golden files: any change in placement, naming or scales shows as a diff.
/// </summary>
public class QuantizedGraphGoldenTests
{
    [Fact]
    public void GraphAndScalesMatchTheGoldenFiles()
    {
        var result = StaticQuantizer.Quantize(DemoModel.Build(), new StaticQuantizationSettings { MinActivationElements = 0 },
            new CalibrationInput.FromSamples(DemoData.Feeds(16).ToList(), 16, new CalibrationSettings { Method = CalibrationMethod.MinMax }));

        var graph = new StringBuilder();
        foreach (var node in result.Model.Proto.Graph.Node)
            graph.AppendLine(CultureInfo.InvariantCulture, $"{node.OpType} {node.Name}: {string.Join(", ", node.Input)} -> {string.Join(", ", node.Output)}");
        GoldenText.Approve("demo-quantized-graph.txt", graph.ToString());

        var scales = new StringBuilder();
        foreach (var t in result.Tensors)
        {
            string values = string.Join(" ", t.Parameters.Scales.Select(s => s.ToString("G6", CultureInfo.InvariantCulture)));
            scales.AppendLine(CultureInfo.InvariantCulture, $"{t.Kind} {t.TensorName} {t.Parameters.Scheme}: scale {values} zero point {string.Join(" ", t.Parameters.ZeroPoints)}");
        }
        GoldenText.Approve("demo-quantized-scales.txt", scales.ToString());
    }
}
