using Ptq.Inspection;
using Ptq.Onnx;

namespace Ptq.Tests.Inspection;

public sealed class ModelInspectorTests
{
    private static ModelReport InspectAsset(string fileName)
    {
        using var model = ModelIO.Load(Assets.Model(fileName));
        return ModelInspector.Inspect(model);
    }

    [Fact]
    public void Ppocrv4_det_holds_its_weights_in_constant_nodes()
    {
        var report = InspectAsset("ppocrv4-det.onnx");

        Assert.Equal(62, report.CountOf("Conv"));
        Assert.Equal(2, report.CountOf("ConvTranspose"));
        Assert.Equal(11, report.DefaultOpset);
        Assert.Equal(8, report.IrVersion);
        Assert.Equal(ParameterTotals.Empty.ByDataType, report.Initializers.ByDataType);
        var weights = Assert.Single(report.ConstantWeights.ByDataType);
        Assert.Equal(new DataTypeTotal("FLOAT", 342, 1_171_841, 4_687_364), weights); // ~1.17 M parameters
        // The 3 BatchNormalization nodes count as quantizable: folded into their Conv, or, where folding cannot reach
        // (after a ConvTranspose), quantized around a float BN.
        Assert.Equal(new NodeTotals(Total: 672, Quantizable: 306, NotQuantizable: 24, ConstantWeights: 342), report.Nodes);
        Assert.Equal(0, report.SubgraphCount);
        var input = Assert.Single(report.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal("FLOAT", input.ElementType);
        Assert.Equal("3", input.Shape![1]);
        Assert.Equal([InspectionWarningKind.OldOpset, InspectionWarningKind.ConstantWeights], report.Warnings.Select(w => w.Kind));
        Assert.Contains("upgrade", report.Warnings[0].Message);
    }

    [Fact]
    public void Squeezenet_is_opset_7_with_26_convs_and_1_24M_parameters()
    {
        var report = InspectAsset("squeezenet1.1.onnx");

        Assert.Equal(7, report.DefaultOpset);
        Assert.Equal(3, report.IrVersion);
        Assert.Equal("onnx-caffe2", report.ProducerName);
        Assert.Equal(26, report.CountOf("Conv"));
        Assert.Equal(26, report.CountOf("Relu"));
        Assert.Equal(8, report.CountOf("Concat"));
        Assert.Equal(3, report.CountOf("MaxPool"));
        Assert.False(report.Operators.Single(o => o.OpType == "Dropout").Quantizable);
        Assert.Equal(new DataTypeTotal("FLOAT", 52, 1_235_496, 4_941_984), Assert.Single(report.Initializers.ByDataType));
        Assert.Equal(1_235_496, report.ParameterCount);
        Assert.Equal(new NodeTotals(66, 65, 1, 0), report.Nodes);
        // IR 3 lists initializers as graph inputs; only the real input is reported.
        var input = Assert.Single(report.Inputs);
        Assert.Equal(new ValueReport("data_0", "FLOAT", ["1", "3", "224", "224"]).ShapeText, input.ShapeText);
        Assert.Equal("[1,1000,1,1]", Assert.Single(report.Outputs).ShapeText);
        Assert.Equal([InspectionWarningKind.OldOpset], report.Warnings.Select(w => w.Kind));
    }

    [Fact]
    public void Mnist_cnn_is_fully_quantizable()
    {
        var report = InspectAsset("mnist-cnn.onnx");

        Assert.Equal(7, report.DefaultOpset);
        Assert.Equal(2, report.CountOf("Conv"));
        Assert.Equal(1, report.CountOf("MatMul"));
        Assert.Equal(new NodeTotals(12, 12, 0, 0), report.Nodes);
        Assert.Equal(5_998, report.ParameterCount);
        Assert.Equal(24_008, report.ParameterBytes);
        Assert.Equal(new DataTypeTotal("FLOAT", 6, 5_994, 23_976), report.Initializers.ByDataType[0]);
        Assert.Equal("[1,1,28,28]", Assert.Single(report.Inputs).ShapeText);
    }

    [Fact]
    public void Silero_vad_reports_its_if_subgraphs_and_their_ops()
    {
        var report = InspectAsset("silero-vad.onnx");

        Assert.Equal(16, report.DefaultOpset);
        Assert.Equal(50, report.SubgraphCount);
        var topLevel = report.Subgraphs.Where(s => s.Depth == 1).ToList();
        Assert.Equal(["else_branch", "then_branch"], topLevel.Select(s => s.Attribute));
        Assert.All(topLevel, s =>
        {
            Assert.Equal("If", s.OwnerOpType);
            Assert.Equal("If_0", s.OwnerNode);
            Assert.Equal(113, s.NodeCount);
            Assert.Equal(6, s.Operators["Conv"]);
        });
        var conv = report.Operators.Single(o => o.OpType == "Conv");
        Assert.Equal((0, 12), (conv.MainGraph, conv.InSubgraphs));
        Assert.Equal(4, report.CountOf("LSTM"));
        Assert.Equal(new DataTypeTotal("FLOAT", 34, 545_286, 2_181_144), report.ConstantWeights.ByDataType[0]);
        Assert.Equal([InspectionWarningKind.ConstantWeights], report.Warnings.Select(w => w.Kind));
        Assert.Equal(["input", "state", "sr"], report.Inputs.Select(i => i.Name));
        Assert.Equal("[2,?,128]", report.Inputs[1].ShapeText);
    }
}
