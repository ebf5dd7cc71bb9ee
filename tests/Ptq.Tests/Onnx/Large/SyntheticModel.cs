using System.Runtime.InteropServices;
using Google.Protobuf;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Onnx.Large;

/// <summary>
/// Y = X·W1 + X·W2 + X·W3 with X [1,K] and three FLOAT weights [K,N] filled with a cheap seeded pattern of exact
/// multiples of 1/256. Fed a one-hot X, ORT's result is exactly the sum of one row of each weight, so it can be checked
/// bit for bit by hand. Weights are written straight into the byte arrays that back raw_data (no second copy).
/// </summary>
internal static class SyntheticModel
{
    public static readonly string[] WeightNames = ["W1", "W2", "W3"];

    /// <summary>Bytes of weights in a model of the given size.</summary>
    public static long WeightBytes(int k, int n) => 3L * k * n * sizeof(float);

    public static ModelProto Build(int k, int n, int seed)
    {
        var graph = new GraphProto { Name = "synthetic" };
        graph.Input.Add(TestModels.FloatValue("X", 1, k));
        graph.Output.Add(TestModels.FloatValue("Y", 1, n));
        for (int w = 0; w < WeightNames.Length; w++)
        {
            var bytes = new byte[(long)k * n * sizeof(float)];
            Fill(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()), seed, w, 0);
            var tensor = new TensorProto { Name = WeightNames[w], DataType = (int)DT.Float, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
            tensor.Dims.Add(k);
            tensor.Dims.Add(n);
            graph.Initializer.Add(tensor);
            graph.Node.Add(TestModels.Node("MatMul", $"matmul{w + 1}", ["X", WeightNames[w]], [$"XW{w + 1}"]));
        }
        graph.Node.Add(TestModels.Node("Add", "add12", ["XW1", "XW2"], ["S12"]));
        graph.Node.Add(TestModels.Node("Add", "add123", ["S12", "XW3"], ["Y"]));
        return TestModels.Model(graph);
    }

    /// <summary>Value of weight <paramref name="weight"/> at flat index <paramref name="index"/>: a multiple of 1/256 in [-128, 128).</summary>
    public static float Value(int seed, int weight, long index)
    {
        ulong h = ((ulong)index + 1) * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)seed << 32 | (uint)weight);
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        return ((int)(h >> 48) - 32768) / 256f;
    }

    /// <summary>Fills <paramref name="destination"/> with the pattern from flat index <paramref name="start"/>.</summary>
    public static void Fill(Span<float> destination, int seed, int weight, long start)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = Value(seed, weight, start + i);
    }

    /// <summary>The one-hot input with a 1 at <paramref name="hot"/>.</summary>
    public static float[] OneHot(int k, int hot)
    {
        var x = new float[k];
        x[hot] = 1;
        return x;
    }

    /// <summary>Y for a one-hot X at <paramref name="hot"/>, in the graph's order of additions.</summary>
    public static float[] Expected(int n, int seed, int hot)
    {
        var y = new float[n];
        for (int j = 0; j < n; j++)
        {
            long index = (long)hot * n + j;
            y[j] = Value(seed, 0, index) + Value(seed, 1, index) + Value(seed, 2, index);
        }
        return y;
    }
}
