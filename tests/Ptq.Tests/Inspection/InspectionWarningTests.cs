using Ptq.Inspection;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Tests.Inspection;

/// <summary>Warnings and counting rules checked on small hand-built models.</summary>
public sealed class InspectionWarningTests
{
    private static ModelProto TinyModel(long opset, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(FloatValue("x", "batch", null, 4));
        graph.Output.Add(new ValueInfoProto // rank unknown: no shape at all
        {
            Name = "z",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        graph.Node.AddRange(nodes);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    private static ValueInfoProto FloatValue(string name, params object?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object? d in dims)
        {
            shape.Dim.Add(d switch
            {
                int n => new TensorShapeProto.Types.Dimension { DimValue = n },
                string p => new TensorShapeProto.Types.Dimension { DimParam = p },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static NodeProto Node(string op, string input, string output, string domain = "") =>
        new() { OpType = op, Domain = domain, Name = output + "_node", Input = { input }, Output = { output } };

    [Fact]
    public void Clean_recent_model_has_no_warnings_and_reports_dim_params()
    {
        using var model = new OnnxModel(TinyModel(17, Node("Relu", "x", "y"), Node("Sigmoid", "y", "z")));

        var report = ModelInspector.Inspect(model);

        Assert.Empty(report.Warnings);
        Assert.Equal("[batch,?,4]", report.Inputs[0].ShapeText);
        Assert.Null(report.Outputs[0].Shape);
        Assert.Equal("?", report.Outputs[0].ShapeText);
        Assert.Equal(new NodeTotals(2, 2, 0, 0), report.Nodes);
    }

    [Fact]
    public void Unsorted_nodes_are_reported()
    {
        using var model = new OnnxModel(TinyModel(17, Node("Sigmoid", "y", "z"), Node("Relu", "x", "y")));

        var warning = Assert.Single(ModelInspector.Inspect(model).Warnings);

        Assert.Equal(InspectionWarningKind.NotTopologicallySorted, warning.Kind);
        Assert.Contains("main graph", warning.Message);
    }

    [Fact]
    public void Custom_domain_ops_are_qualified_not_quantizable_and_reported()
    {
        var proto = TinyModel(17, Node("FusedConv", "x", "y", "com.microsoft"), Node("Relu", "y", "z"));
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        using var model = new OnnxModel(proto);

        var report = ModelInspector.Inspect(model);

        var op = report.Operators.Single(o => o.OpType == "com.microsoft:FusedConv");
        Assert.False(op.Quantizable);
        Assert.Equal(1, report.OpsetImports["com.microsoft"]);
        var warning = Assert.Single(report.Warnings);
        Assert.Equal(InspectionWarningKind.CustomDomain, warning.Kind);
        Assert.Contains("com.microsoft:FusedConv", warning.Message);
    }

    [Fact]
    public void Old_opset_says_an_upgrade_will_happen()
    {
        using var model = new OnnxModel(TinyModel(11, Node("Relu", "x", "y"), Node("Relu", "y", "z")));

        var warning = Assert.Single(ModelInspector.Inspect(model).Warnings);

        Assert.Equal(InspectionWarningKind.OldOpset, warning.Kind);
        Assert.Contains("opset is 11", warning.Message);
        Assert.Contains("upgrade", warning.Message);
    }

    [Fact]
    public void Stale_declared_shape_is_reported_with_both_shapes()
    {
        using var model = Ptq.Tests.Passes.StaleShapeModel.Build();

        var report = ModelInspector.Inspect(model);

        Assert.Equal([InspectionWarningKind.OldOpset, InspectionWarningKind.StaleShapes], report.Warnings.Select(w => w.Kind));
        Assert.Contains("'flat' declared [128,3200], the graph gives [N,3200]", report.Warnings[1].Message);
        Assert.Contains("corrects them", report.Warnings[1].Message);
    }

    [Fact]
    public void Experimental_ops_are_named_as_rewritten_by_the_upgrade()
    {
        using var model = Ptq.Tests.Passes.LegacyOpAdapterTests.StyleTransferModel();

        var warning = Assert.Single(ModelInspector.Inspect(model).Warnings);

        Assert.Equal(InspectionWarningKind.OldOpset, warning.Kind);
        Assert.Contains("will upgrade the model to opset 13", warning.Message);
        Assert.Contains("(Affine: 1, Crop: 1, ImageScaler: 1)", warning.Message);
    }

    [Fact]
    public void Blocked_upgrade_says_quantize_refuses_instead_of_promising_an_upgrade()
    {
        var fc = new NodeProto { OpType = "FC", Name = "classifier", Input = { "x", "w", "b" }, Output = { "y" } };
        var proto = TinyModel(7, fc, Node("Relu", "y", "z"));
        proto.Graph.Initializer.Add(TensorData.FromFloats("w", [2, 4], new float[8]));
        proto.Graph.Initializer.Add(TensorData.FromFloats("b", [2], new float[2]));
        using var model = new OnnxModel(proto);

        var warning = Assert.Single(ModelInspector.Inspect(model).Warnings);

        Assert.Equal(InspectionWarningKind.UpgradeBlocked, warning.Kind);
        Assert.Contains("cannot upgrade it: FC 'classifier': Ptq has no opset adapter for FC", warning.Message);
        Assert.Contains("quantize refuses the model except --mode fp16", warning.Message);
        Assert.DoesNotContain("will upgrade", warning.Message);
    }

    [Fact]
    public void Constant_weights_and_external_initializers_are_counted_apart()
    {
        var constant = new NodeProto { OpType = "Constant", Output = { "w" } };
        constant.Attribute.Add(new AttributeProto
        {
            Name = "value",
            Type = AttributeProto.Types.AttributeType.Tensor,
            T = TensorData.FromFloats("w", [2, 3], [1, 2, 3, 4, 5, 6]),
        });
        var proto = TinyModel(17, constant, new NodeProto { OpType = "MatMul", Input = { "x", "w" }, Output = { "y" } },
            new NodeProto { OpType = "Add", Input = { "y", "b" }, Output = { "z" } });
        var bias = new TensorProto { Name = "b", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 3 } };
        new ExternalDataInfo("weights.bin", 0, 12).ApplyTo(bias);
        proto.Graph.Initializer.Add(bias);
        using var model = new OnnxModel(proto);

        var report = ModelInspector.Inspect(model);

        Assert.Equal(new DataTypeTotal("FLOAT", 1, 6, 24), Assert.Single(report.ConstantWeights.ByDataType));
        Assert.Equal(new DataTypeTotal("FLOAT", 1, 3, 12), Assert.Single(report.Initializers.ByDataType));
        Assert.Equal(new NodeTotals(3, 2, 0, 1), report.Nodes);
        Assert.Equal([InspectionWarningKind.ConstantWeights, InspectionWarningKind.ExternalData], report.Warnings.Select(w => w.Kind));
    }
}
