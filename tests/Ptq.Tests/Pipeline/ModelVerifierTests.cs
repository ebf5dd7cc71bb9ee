using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// <see cref="ModelVerifier"/> on a float model X[N,8] → MatMul → Y[N,4] and "quantized" stand-ins broken the ways a
/// rewrite can break a model: a batch baked into a Reshape, another output shape, infinities, an op ORT does not know.
/// </summary>
public sealed class ModelVerifierTests
{
    [Fact]
    public void AModelThatRunsWhereFloatRunsIsVerifiedAtBatchOneAndTheSampleBatchSizes()
    {
        var reference = Float();
        var samples = new[] { Feed(batch: 3, seed: 1), Feed(batch: 1, seed: 2) };

        var verification = ModelVerifier.Verify(reference, Float(), samples);

        Assert.Equal([1L, 3L, 2L], verification.BatchSizes);
        Assert.False(verification.SyntheticInputs);
        Assert.Empty(verification.Skipped);
    }

    [Fact]
    public void WithoutSamplesMadeUpInputsRunBatchOneAndTwo()
    {
        var verification = ModelVerifier.Verify(Float(), Float(), []);

        Assert.Equal([1L, 2L], verification.BatchSizes);
        Assert.True(verification.SyntheticInputs);
    }

    /// <summary>A float model too large to load beside the quantized one: the quantized model runs alone, checked against the declared outputs.</summary>
    [Fact]
    public void AboveTheReferenceLimitTheQuantizedModelRunsAloneAgainstTheDeclaredOutputs()
    {
        var verification = ModelVerifier.Verify(Float(), Float(), [Feed(batch: 3, seed: 1)], referenceLimitBytes: 1);

        Assert.Equal([1L, 3L, 2L], verification.BatchSizes);
        Assert.Contains("not loaded beside it", verification.ReferenceNotRun);

        var reshaped = Float(graph =>
        {
            graph.Initializer.Add(TensorData.FromInt64s("split", [3], [-1, 2, 2]));
            graph.Node[0].Output[0] = "Y4";
            graph.Node.Add(TestModels.Node("Reshape", "reshape", ["Y4", "split"], ["Y"]));
        });
        var e = Assert.Throws<OutputVerificationException>(() => ModelVerifier.Verify(Float(), reshaped, [], referenceLimitBytes: 1));
        Assert.Equal("output 'Y' at batch 1 has shape [1,2,2], the float model declares [N,4]", e.Message);

        var overflowing = Float(graph =>
        {
            graph.Initializer.Add(TensorData.FromFloats("huge", [], [float.PositiveInfinity]));
            graph.Node[0].Output[0] = "Yf";
            graph.Node.Add(TestModels.Node("Mul", "overflow", ["Yf", "huge"], ["Y"]));
        });
        e = Assert.Throws<OutputVerificationException>(() => ModelVerifier.Verify(Float(), overflowing, [], referenceLimitBytes: 1));
        Assert.Equal("output 'Y' at batch 1 holds NaN or infinity", e.Message);
    }

    /// <summary>The calibration data came in batches of 2; a Reshape that baked that batch in fails at batch 1.</summary>
    [Fact]
    public void ABatchBakedIntoTheGraphFailsAtBatchOne()
    {
        var broken = Float(graph =>
        {
            graph.Initializer.Add(TensorData.FromInt64s("fixed", [2], [2, 8]));
            graph.Node.Insert(0, TestModels.Node("Reshape", "baked", ["X", "fixed"], ["Xr"]));
            graph.Node[1].Input[0] = "Xr";
        });

        var e = Assert.Throws<OutputVerificationException>(() => ModelVerifier.Verify(Float(), broken, [Feed(batch: 2, seed: 1)]));

        Assert.Contains("fails at batch 1, where the float model runs", e.Message);
        Assert.Contains("Reshape", e.Message);
    }

    [Fact]
    public void AnotherOutputShapeFailsNamingTheOutputAndBothShapes()
    {
        var broken = Float(graph =>
        {
            graph.Initializer.Add(TensorData.FromInt64s("split", [3], [-1, 2, 2]));
            graph.Node[0].Output[0] = "Y4";
            graph.Node.Add(TestModels.Node("Reshape", "reshape", ["Y4", "split"], ["Y"]));
        });

        var e = Assert.Throws<OutputVerificationException>(() => ModelVerifier.Verify(Float(), broken, [Feed(batch: 1, seed: 1)]));

        Assert.Equal("output 'Y' at batch 1 has shape [1,2,2], the float model's has [1,4]", e.Message);
    }

    [Fact]
    public void InfinityWhereFloatIsFiniteFails()
    {
        var broken = Float(graph =>
        {
            graph.Initializer.Add(TensorData.FromFloats("huge", [], [float.PositiveInfinity]));
            graph.Node[0].Output[0] = "Yf";
            graph.Node.Add(TestModels.Node("Mul", "overflow", ["Yf", "huge"], ["Y"]));
        });

        var e = Assert.Throws<OutputVerificationException>(() => ModelVerifier.Verify(Float(), broken, [Feed(batch: 1, seed: 1)]));

        Assert.Equal("output 'Y' at batch 1 holds NaN or infinity where the float model's is finite", e.Message);
    }

    [Fact]
    public void AModelOrtCannotLoadFails()
    {
        var broken = Float(graph => graph.Node[0].OpType = "NoSuchOp");

        var e = Assert.Throws<OutputVerificationException>(() => ModelVerifier.Verify(Float(), broken, []));

        Assert.StartsWith("ONNX Runtime cannot load the quantized model:", e.Message);
        Assert.Contains("NoSuchOp", e.Message);
    }

    /// <summary>X[N,8] → MatMul(W[8,4]) → Y[N,4], optionally edited.</summary>
    private static OnnxModel Float(Action<GraphProto>? edit = null)
    {
        var graph = new GraphProto { Name = "matmul" };
        graph.Input.Add(TestModels.FloatInfo("X", -1, 8));
        graph.Output.Add(TestModels.FloatInfo("Y", -1, 4));
        graph.Initializer.Add(TestModels.RandomFloats("W", new Random(4), 8, 4));
        graph.Node.Add(TestModels.Node("MatMul", "matmul", ["X", "W"], ["Y"]));
        edit?.Invoke(graph);
        return new OnnxModel(TestModels.Model(graph));
    }

    private static IReadOnlyDictionary<string, TensorValue> Feed(int batch, int seed)
    {
        var random = new Random(seed);
        return new Dictionary<string, TensorValue>
        {
            ["X"] = TensorValue.FromFloats([batch, 8], [.. Enumerable.Range(0, batch * 8).Select(_ => (float)random.NextDouble())]),
        };
    }
}
