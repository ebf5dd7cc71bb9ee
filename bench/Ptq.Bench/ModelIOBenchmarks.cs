using BenchmarkDotNet.Attributes;
using Ptq.Onnx;

namespace Ptq.Bench;

/// <summary>
/// ModelIO load and save: squeezenet 1.1 (5 MB, inline) and a synthetic 1 GiB model (4 × 256 MiB FLOAT weights)
/// stored with external data and inline. Loading an external model must not read its weights; saving streams them.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ModelIOBenchmarks
{
    private const int Size = 8192; // 4 × 8192² floats = 1 GiB

    private string _folder = "";
    private string _squeezenet = "";
    private string _external = "";
    private string _inline = "";
    private OnnxModel? _squeezenetModel;
    private OnnxModel? _externalModel;
    private OnnxModel? _inlineModel;

    /// <summary>Builds the synthetic model once and writes it both ways into a private temp folder.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("ptq-bench-").FullName;
        _squeezenet = BenchAssets.Model("squeezenet1.1.onnx");
        _external = Path.Combine(_folder, "external.onnx");
        _inline = Path.Combine(_folder, "inline.onnx");
        using (var built = new OnnxModel(SyntheticWeights.Build(4, Size)))
        {
            ModelIO.Save(built, _external, new ModelSaveOptions { ExternalData = ExternalDataMode.Always });
            ModelIO.Save(built, _inline, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
        }
        _squeezenetModel = ModelIO.Load(_squeezenet);
        _externalModel = ModelIO.Load(_external);
        _inlineModel = ModelIO.Load(_inline);
    }

    /// <summary>Deletes the temp folder.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _squeezenetModel?.Dispose();
        _externalModel?.Dispose();
        _inlineModel?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Parse and validate squeezenet 1.1.</summary>
    [Benchmark]
    public int Squeezenet_Load()
    {
        using var model = ModelIO.Load(_squeezenet);
        return model.Proto.Graph.Node.Count;
    }

    /// <summary>Atomic save of squeezenet 1.1 (inline).</summary>
    [Benchmark]
    public void Squeezenet_Save() => ModelIO.Save(_squeezenetModel!, Path.Combine(_folder, "squeezenet-out.onnx"));

    /// <summary>Load the 1 GiB model with external data (weights stay on disk).</summary>
    [Benchmark]
    public int Synthetic1GiB_External_Load()
    {
        using var model = ModelIO.Load(_external);
        return model.Proto.Graph.Initializer.Count;
    }

    /// <summary>Save the external 1 GiB model (weights streamed from its data file into a new one).</summary>
    [Benchmark]
    public void Synthetic1GiB_External_Save() =>
        ModelIO.Save(_externalModel!, Path.Combine(_folder, "external-out.onnx"), new ModelSaveOptions { ExternalData = ExternalDataMode.Always });

    /// <summary>Load the 1 GiB model stored inline (one protobuf message).</summary>
    [Benchmark]
    public int Synthetic1GiB_Inline_Load()
    {
        using var model = ModelIO.Load(_inline);
        return model.Proto.Graph.Initializer.Count;
    }

    /// <summary>Save the 1 GiB inline model inline.</summary>
    [Benchmark]
    public void Synthetic1GiB_Inline_Save() =>
        ModelIO.Save(_inlineModel!, Path.Combine(_folder, "inline-out.onnx"), new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
}
