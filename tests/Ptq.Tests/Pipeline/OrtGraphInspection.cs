using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

/// <summary>What ONNX Runtime actually runs: op-type counts of its optimised graph.</summary>
internal static class OrtGraphInspection
{
    public static Dictionary<string, int> OptimizedOpCounts(OnnxModel model, int threads = 1)
    {
        using var temp = new TempDirectory();
        string path = temp.File("optimized.onnx");
        using (new OrtRunner(model, new RunnerOptions { IntraOpThreads = threads, OptimizedModelPath = path })) { }
        using var optimized = ModelIO.Load(path, validate: false);
        return optimized.Proto.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
    }
}
