using Ptq.Demo;
using Ptq.Examples;
using Ptq.Onnx;
using Ptq.Recipes;
using Ptq.Tests.Data;

namespace Ptq.Tests.Docs;

[CollectionDefinition(nameof(CurrentFolderCollection), DisableParallelization = true)]
public sealed class CurrentFolderCollection;

/// <summary>
/// README.md's library example (docs/examples/library/QuantizeWithTheLibrary.cs, which the docs tests keep equal to the
/// README) runs as written: it uses relative paths, so it runs alone, in a folder holding model.onnx and samples/.
/// </summary>
[Collection(nameof(CurrentFolderCollection))]
public sealed class LibraryExampleTests
{
    [Fact]
    public void The_readme_example_quantizes_a_model_that_keeps_the_output()
    {
        using var temp = new TempDirectory();
        ModelIO.Save(DemoModel.Build(), temp.File("model.onnx"));
        Directory.CreateDirectory(temp.File("samples"));
        foreach (var (sample, i) in DemoData.Samples(64).Select((s, i) => (s, i)))
            File.WriteAllBytes(temp.File($"samples/{i:D2}.npy"), NpyWriter.Bytes("<f4", [1, 3, 32, 32], NpyWriter.Floats(sample[DemoModel.InputName].ToFloatArray())));
        string previous = Directory.GetCurrentDirectory();
        var console = Console.Out;
        using var output = new StringWriter();
        QuantizationResult run;
        try
        {
            Directory.SetCurrentDirectory(temp.Path);
            Console.SetOut(output);
            run = QuantizeWithTheLibrary.Run();
        }
        finally
        {
            Console.SetOut(console);
            Directory.SetCurrentDirectory(previous);
        }

        Assert.True(run.CheckCosine > 0.999, $"output cosine {run.CheckCosine}");
        Assert.Equal(32, run.CheckSamples);
        Assert.Equal($"output cosine against float: {run.CheckCosine:F4}", output.ToString().Trim());
        using var quantized = ModelIO.Load(temp.File("model.int8.onnx"));
        Assert.Contains(quantized.Proto.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.True(File.Exists(temp.File("quant_param.csv")));
        Assert.True(new FileInfo(temp.File("model.int8.onnx")).Length * 2 < new FileInfo(temp.File("model.onnx")).Length);
    }
}
