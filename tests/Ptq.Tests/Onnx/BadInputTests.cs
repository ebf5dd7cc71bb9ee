using Google.Protobuf;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Tests.Onnx;

/// <summary>Each kind of broken input raises its own <see cref="PtqException"/> subtype with a message naming the culprit.</summary>
public class BadInputTests
{
    [Fact]
    public void TextFile_IsRefusedAsNotOnnx()
    {
        using var temp = new TempDirectory();
        string path = temp.File("notes.onnx");
        File.WriteAllText(path, "This is a text file, not an ONNX model.\nIt has two lines.\n");

        var ex = Assert.Throws<OnnxFormatException>(() => ModelIO.Load(path));

        Assert.StartsWith($"'{path}' is not", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModel_IsRefusedAsTruncated()
    {
        using var temp = new TempDirectory();
        byte[] bytes = File.ReadAllBytes(Assets.Model("squeezenet1.1.onnx"));
        string path = temp.File("half.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<OnnxFormatException>(() => ModelIO.Load(path));

        Assert.StartsWith($"'{path}' is not a readable ONNX model (truncated or not protobuf):", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidProtocolBufferException>(ex.InnerException);
    }

    [Fact]
    public void MissingExternalDataFile_NamesTensorAndFile()
    {
        using var temp = new TempDirectory();
        string path = SaveExternal(temp, TestModels.MatMulAdd());
        File.Delete(temp.File("model.onnx.data"));

        var ex = Assert.Throws<ExternalDataException>(() => ModelIO.Load(path));

        Assert.Equal($"{path}: tensor 'W': external data file '{temp.File("model.onnx.data")}' does not exist", ex.Message);
    }

    [Fact]
    public void ExternalOffsetBeyondTheFile_NamesTensorRangeAndFileSize()
    {
        using var temp = new TempDirectory();
        string path = SaveExternal(temp, TestModels.MatMulAdd());
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var w = proto.Graph.Initializer.Single(t => t.Name == "W");
        w.ExternalData.Single(e => e.Key == "offset").Value = "1000000";
        TestModels.WriteRaw(proto, path);
        long fileBytes = new FileInfo(temp.File("model.onnx.data")).Length;

        var ex = Assert.Throws<ExternalDataException>(() => ModelIO.Load(path));

        Assert.Equal(
            $"{path}: tensor 'W': external data range [offset 1000000, length 1024] lies beyond the end of '{temp.File("model.onnx.data")}' ({fileBytes} bytes)",
            ex.Message);
    }

    [Theory]
    [InlineData("../outside.bin", "points outside the model folder")]
    [InlineData("/etc/passwd", "is absolute; ONNX requires a path relative to the model file")]
    [InlineData("bad\0name", "contains a character no file name may hold")]
    public void ExternalLocationThatEscapesOrIsInvalid_IsRefused(string location, string reason)
    {
        using var temp = new TempDirectory();
        string path = SaveExternal(temp, TestModels.MatMulAdd());
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        proto.Graph.Initializer.Single(t => t.Name == "W").ExternalData.Single(e => e.Key == "location").Value = location;
        TestModels.WriteRaw(proto, path);

        var ex = Assert.Throws<ExternalDataException>(() => ModelIO.Load(path));

        Assert.StartsWith($"{path}: tensor 'W': external data location '", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"' {reason}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownDataType_NamesTensorAndType()
    {
        using var temp = new TempDirectory();
        var proto = TestModels.MatMulAdd();
        proto.Graph.Initializer.Single(t => t.Name == "B").DataType = 99;
        string path = TestModels.WriteRaw(proto, temp.File("model.onnx"));

        var ex = Assert.Throws<UnsupportedDataTypeException>(() => ModelIO.Load(path));

        Assert.Equal($"{path}: tensor 'B' has data type type 99, which ONNX does not define (valid values are 1-24)", ex.Message);
    }

    [Theory]
    [InlineData(1L << 61, "tensor 'W' dims [2305843009213693952,16] describe more than 72057594037927935 elements, more than any tensor can hold")]
    [InlineData(-3L, "tensor 'W' has negative dim -3 in [-3,16]")]
    public void AbsurdDims_AreRefusedWithoutOverflow(long dim, string message)
    {
        var proto = TestModels.MatMulAdd();
        proto.Graph.Initializer.Single(t => t.Name == "W").Dims[0] = dim;

        var ex = Assert.Throws<TensorDataException>(() => ModelIO.Load(proto.ToByteArray(), "huge.onnx"));

        Assert.Equal($"huge.onnx: {message}", ex.Message);
    }

    [Fact]
    public void Cycle_NamesTheNodesOnIt()
    {
        using var temp = new TempDirectory();
        var graph = new GraphProto { Name = "loop" };
        graph.Input.Add(TestModels.FloatValue("X", 1, 4));
        graph.Output.Add(TestModels.FloatValue("Z", 1, 4));
        graph.Node.Add(TestModels.Node("Add", "first", ["X", "Z"], ["Y"]));
        graph.Node.Add(TestModels.Node("Relu", "second", ["Y"], ["Z"]));
        string path = TestModels.WriteRaw(TestModels.Model(graph), temp.File("model.onnx"));

        var ex = Assert.Throws<GraphException>(() => ModelIO.Load(path));

        Assert.Equal($"{path}: graph 'loop' has a cycle: 2 nodes wait on each other, among them Add 'first', Relu 'second'", ex.Message);
    }

    [Fact]
    public void UnsortedGraph_LoadsAndSortsIntoProducerOrder()
    {
        var proto = TestModels.MatMulAdd();
        (proto.Graph.Node[0], proto.Graph.Node[1]) = (proto.Graph.Node[1].Clone(), proto.Graph.Node[0].Clone());
        using var model = ModelIO.Load(proto.ToByteArray());
        var graph = OnnxGraph.FromModel(model);

        Assert.False(graph.IsTopologicallySorted);
        Assert.Equal(["matmul", "add"], graph.TopologicalOrder().Select(n => n.Name));
    }

    [Fact]
    public void DanglingInput_NamesNodeAndValue()
    {
        using var temp = new TempDirectory();
        var proto = TestModels.MatMulAdd();
        proto.Graph.Node[1].Input[1] = "bias_that_nobody_makes";
        string path = TestModels.WriteRaw(proto, temp.File("model.onnx"));

        var ex = Assert.Throws<GraphException>(() => ModelIO.Load(path));

        Assert.Equal($"{path}: Add 'add' in graph 'matmul_add' reads 'bias_that_nobody_makes', which no node, initializer or graph input produces", ex.Message);
    }

    [Fact]
    public void RawDataSizeMismatch_NamesTensorAndBothSizes()
    {
        using var temp = new TempDirectory();
        var proto = TestModels.MatMulAdd();
        var b = proto.Graph.Initializer.Single(t => t.Name == "B");
        b.RawData = ByteString.CopyFrom(b.RawData.Span[..60]);
        string path = TestModels.WriteRaw(proto, temp.File("model.onnx"));

        var ex = Assert.Throws<TensorDataException>(() => ModelIO.Load(path));

        Assert.Equal($"{path}: tensor 'B' has 60 bytes of raw data but dims [16] of FLOAT need 64", ex.Message);
    }

    [Fact]
    public void SaveFailingWhileCopyingExternalData_LeavesNoFileBehind()
    {
        using var source = new TempDirectory();
        string path = SaveExternal(source, TestModels.MatMulAdd());
        using var model = ModelIO.Load(path);
        // The data file shrinks after load (another process rewrote it): copying W now fails half-way through the save.
        using (var data = new FileStream(source.File("model.onnx.data"), FileMode.Open))
            data.SetLength(100);
        using var target = new TempDirectory();

        var ex = Assert.Throws<ExternalDataException>(() =>
            ModelIO.Save(model, target.File("out.onnx"), new ModelSaveOptions { ExternalData = ExternalDataMode.Always }));

        Assert.StartsWith("tensor 'W': external data range [offset 0, length 1024] lies beyond the end of", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(target.Path));
    }

    [Fact]
    public void SaveOntoAFolder_FailsAtTheLastRenameAndLeavesNoFileBehind()
    {
        using var source = new TempDirectory();
        using var model = ModelIO.Load(SaveExternal(source, TestModels.MatMulAdd()));
        using var target = new TempDirectory();
        string blocked = target.File("out.onnx");
        Directory.CreateDirectory(blocked);

        var ex = Assert.Throws<ModelWriteException>(() =>
            ModelIO.Save(model, blocked, new ModelSaveOptions { ExternalData = ExternalDataMode.Always }));

        Assert.StartsWith($"cannot save '{blocked}' with data file 'out.onnx.data': ", ex.Message, StringComparison.Ordinal);
        Assert.Equal([blocked], Directory.GetFileSystemEntries(target.Path));
        Assert.Empty(Directory.GetFileSystemEntries(blocked));
    }

    [Fact]
    public void SaveIntoAMissingFolder_NamesTheFolder()
    {
        using var model = ModelIO.Load(TestModels.MatMulAdd().ToByteArray());
        using var temp = new TempDirectory();
        string missing = temp.File("nowhere");

        var ex = Assert.Throws<ModelWriteException>(() => ModelIO.Save(model, Path.Combine(missing, "m.onnx")));

        Assert.Equal($"cannot save '{Path.Combine(missing, "m.onnx")}': folder '{missing}' does not exist", ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    private static string SaveExternal(TempDirectory temp, ModelProto proto)
    {
        using var model = ModelIO.Load(proto.ToByteArray());
        string path = temp.File("model.onnx");
        ModelIO.Save(model, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalMinBytes = 64 });
        return path;
    }
}
