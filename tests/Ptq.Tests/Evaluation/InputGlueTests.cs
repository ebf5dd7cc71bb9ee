using Ptq.Data;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;

namespace Ptq.Tests.Evaluation;

public class InputGlueTests
{
    [Fact]
    public void Model_inputs_map_dim_params_to_dynamic()
    {
        using var cifar = ModelIO.Load(Assets.Model("cifar10-cnn.onnx"));
        ModelInputInfo input = Assert.Single(ModelInputs.Of(cifar));
        Assert.Equal("modelInput", input.Name);
        Assert.Equal(InputElementType.Float32, input.ElementType);
        Assert.Equal("[?,3,32,32]", input.ShapeText);

        // squeezenet is IR 3: its initializers are graph inputs too, and must not be listed.
        using var squeezenet = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        Assert.Equal("data_0 [1,3,224,224]", string.Join(";", ModelInputs.Of(squeezenet).Select(i => $"{i.Name} {i.ShapeText}")));

        using var silero = ModelIO.Load(Assets.Model("silero-vad.onnx"));
        Assert.Contains(ModelInputs.Of(silero), i => i.Name == "sr" && i.ElementType == InputElementType.Int64);
    }

    [Fact]
    public void Unsupported_input_type_names_the_input()
    {
        var info = new ValueInfoProto { Name = "text", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.String } } };
        var ex = Assert.Throws<UnsupportedDataTypeException>(() => ModelInputs.FromValueInfo(info));
        Assert.Contains("'text'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensors_become_feeds_and_concatenate_along_axis_0()
    {
        var a = new CalibrationSample(new Dictionary<string, InputTensor>
        {
            ["x"] = new("x", InputElementType.Float32, [1, 2], new[] { 1f, 2f }),
            ["n"] = new("n", InputElementType.Int64, [1], new[] { 16000L }),
        }, "a");
        var b = new CalibrationSample(new Dictionary<string, InputTensor>
        {
            ["x"] = new("x", InputElementType.Float32, [1, 2], new[] { 3f, 4f }),
            ["n"] = new("n", InputElementType.Int64, [1], new[] { 8000L }),
        }, "b");
        Dictionary<string, TensorValue> feeds = a.ToFeeds();
        Assert.Equal([1L, 2L], feeds["x"].Shape);
        Assert.Equal([1f, 2f], feeds["x"].AsFloatSpan().ToArray());
        Assert.Equal((int)TensorProto.Types.DataType.Int64, feeds["n"].DataType);
        Assert.Equal(BitConverter.GetBytes(16000L), feeds["n"].Raw);

        Dictionary<string, TensorValue> batch = TensorFeeds.Concatenate([a, b]);
        Assert.Equal([2L, 2L], batch["x"].Shape);
        Assert.Equal([1f, 2f, 3f, 4f], batch["x"].AsFloatSpan().ToArray());
        Assert.Equal([2L], batch["n"].Shape);

        var c = new CalibrationSample(new Dictionary<string, InputTensor> { ["x"] = new("x", InputElementType.Float32, [1, 3], new[] { 1f, 2f, 3f }) }, "c");
        Assert.Throws<ArgumentException>(() => TensorFeeds.Concatenate([a, c]));
    }

    [Fact]
    public void Bool_and_half_feeds_use_onnx_byte_layout()
    {
        var flags = new InputTensor("m", InputElementType.Bool, [3], new[] { true, false, true }).ToTensorValue();
        Assert.Equal((int)TensorProto.Types.DataType.Bool, flags.DataType);
        Assert.Equal(new byte[] { 1, 0, 1 }, flags.Raw);
        var half = new InputTensor("h", InputElementType.Float16, [1], new[] { (Half)1 }).ToTensorValue();
        Assert.Equal(new byte[] { 0x00, 0x3C }, half.Raw);
    }
}
