using System.Buffers.Binary;
using Ptq.Demo;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Reports;
using Ptq.Runtime;
using Ptq.Tuning;
using static Ptq.Tests.Pipeline.BitWidthHarness;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// Activations narrower than their 8- or 16-bit storage type: the codes ONNX Runtime computes stay in the scheme's
/// range even for inputs far outside the calibrated one, reports and searches see the clamp, and quant_param.csv gives
/// the width of the codes.
/// </summary>
public class SubStorageCodeTests
{
    public static TheoryData<int, QuantMode, bool> Schemes()
    {
        var data = new TheoryData<int, QuantMode, bool>();
        foreach (var mode in new[] { QuantMode.AsymmetricUnsigned, QuantMode.AsymmetricSigned, QuantMode.Symmetric })
        {
            foreach (int bits in new[] { 2, 3, 4, 5, 7, 9, 12, 15 })
                data.Add(bits, mode, false);
            data.Add(8, mode, true);
            data.Add(16, mode, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void CodesStayInTheSchemesRangeBeyondTheCalibratedRange(int bits, QuantMode mode, bool reduceRange)
    {
        var scheme = new QuantScheme(bits, mode, ReduceRange: reduceRange);
        var result = QuantizeDemo(new StaticQuantizationSettings { Activations = scheme });
        var links = QdqGraphMap.Analyse(result.Model).Where(l => l.Kind == QdqLinkKind.Activation).ToList();
        Assert.Equal(result.Tensors.Count(t => t.Kind == "Activation"), links.Count);
        Assert.All(links, l => Assert.Equal((scheme.QMin, scheme.QMax), ((int)l.QMin, (int)l.QMax)));

        // What each DequantizeLinear reads, on inputs 4× the calibrated ones: clamped at QMin and QMax, not at the type's limits.
        var proto = result.Model.Proto.Graph;
        var codes = links.Select(l => proto.Node.Single(n => n.Output[0] == l.DequantizedTensor).Input[0]).ToList();
        using var runner = OrtRunner.WithOutputs(result.Model, codes);
        int lowest = int.MaxValue, highest = int.MinValue;
        foreach (var sample in DemoSamples.Take(4))
        {
            var scaled = TensorValue.FromFloats(sample[DemoModel.InputName].Shape, [.. sample[DemoModel.InputName].AsFloatSpan().ToArray().Select(v => 4 * v)]);
            var outputs = runner.Run(new Dictionary<string, TensorValue> { [DemoModel.InputName] = scaled }, codes);
            foreach (string name in codes)
            {
                var values = Codes(outputs[name]);
                Assert.Equal(scheme.ActivationStorageType, (DT)outputs[name].DataType);
                lowest = Math.Min(lowest, values.Min());
                highest = Math.Max(highest, values.Max());
            }
        }
        Assert.Equal(scheme.QMax, highest); // saturated at the scheme's top, not the type's
        Assert.Equal(scheme.QMin, lowest); // and at its bottom (a fused Relu's zero point for asymmetric schemes)
    }

    [Fact]
    public void QuantParamCsvGivesTheWidthOfTheCodes()
    {
        using var temp = new TempDirectory();
        string path = temp.File("quant_param.csv");
        var result = QuantizeDemo(new StaticQuantizationSettings
        {
            Activations = new QuantScheme(4, QuantMode.AsymmetricUnsigned),
            Weights = new QuantScheme(8, QuantMode.Symmetric, NarrowRange: true, ReduceRange: true),
        });
        QuantParamCsv.Write(path, result.Tensors, []);
        var rows = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();
        var bits = rows.GroupBy(r => r[3]).ToDictionary(g => g.Key, g => g.Select(r => r[^1]).Distinct().Single());
        Assert.Equal("4", bits["Activation"]); // held in UINT8
        Assert.Equal("7", bits["Weight"]); // reduce-range: 8 bits asked, 7 used
        Assert.Equal("32", bits["Bias"]);
    }

    [Fact]
    public void ActivationSearchRaisesFourBitActivations()
    {
        var settings = new StaticQuantizationSettings { Activations = new QuantScheme(4, QuantMode.AsymmetricUnsigned) };
        foreach (int? high in new int?[] { 16, 8, null })
        {
            // Cosine 0.9965 with 4-bit activations everywhere.
            var search = MixedActivationBits.Quantize(DemoModel.Build(), settings, MinMax(DemoSamples), DemoSamples, 0.998, highBits: high);
            Assert.True(search.TargetMet, $"highBits {high}: cosine {search.Cosine}");
            Assert.NotEmpty(search.Reverted);
            Assert.InRange(RelativeError(DemoModel.Build(), search.Result.Model, DemoSamples), 0, 0.2); // 0.14 at 4 bits (cosine ignores the scale, this does not)
            var widths = search.Result.Tensors.Where(t => t.Kind == "Activation").Select(t => t.Parameters.Scheme.Bits).ToHashSet();
            Assert.Equal(high is int h ? [4, h] : [4], widths.Order());
        }
    }

    [Fact]
    public void WeightSearchRaisesFourBitWeightsToSixteen()
    {
        // Cosine 0.9965 with 4-bit weights everywhere; three of the four Conv raised reach 0.9993.
        var settings = new StaticQuantizationSettings { Weights = new QuantScheme(4, QuantMode.Symmetric, NarrowRange: true) };
        var search = MixedWeightBits.Quantize(DemoModel.Build(), settings, MinMax(DemoSamples), DemoSamples, 0.999, highBits: 16);
        Assert.True(search.TargetMet, $"cosine {search.Cosine}");
        Assert.Equal([4, 16], search.Result.Tensors.Where(t => t.Kind == "Weight").Select(t => t.Parameters.Scheme.Bits).Distinct().Order());
        Assert.InRange(RelativeError(DemoModel.Build(), search.Result.Model, DemoSamples), 0, 0.06); // 0.042; 0.096 before
    }

    [Fact]
    public void FallbackRanksFourBitActivationsThroughTheirClamp()
    {
        var settings = new StaticQuantizationSettings { Activations = new QuantScheme(4, QuantMode.AsymmetricUnsigned) };
        var search = AccuracyFallback.Quantize(DemoModel.Build(), settings, MinMax(DemoSamples), DemoSamples, 0.998);
        Assert.True(search.TargetMet, $"cosine {search.Cosine} after reverting {string.Join(", ", search.Reverted.Select(r => r.Node))}");
        // The node that loses most signal through its clamped 4-bit output goes first: block2_conv, cosine 0.9965 → 0.9982.
        Assert.Equal("block2_conv", Assert.Single(search.Reverted).Node);
    }

    private static int[] Codes(TensorValue value)
    {
        var raw = value.Raw!;
        return (DT)value.DataType switch
        {
            DT.Uint8 => [.. raw.Select(b => (int)b)],
            DT.Int8 => [.. raw.Select(b => (int)(sbyte)b)],
            DT.Uint16 => [.. Enumerable.Range(0, raw.Length / 2).Select(i => (int)BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)))],
            DT.Int16 => [.. Enumerable.Range(0, raw.Length / 2).Select(i => (int)BinaryPrimitives.ReadInt16LittleEndian(raw.AsSpan(2 * i)))],
            var other => throw new InvalidOperationException($"codes of type {other}"),
        };
    }
}
