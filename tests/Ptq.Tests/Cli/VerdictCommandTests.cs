using System.Globalization;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Cli;

/// <summary>
/// Every <c>ptq quantize</c> run ends with a verdict: the model verified in ONNX Runtime, and with data its output
/// cosine against float on the check samples, in every mode; below the accuracy guard, or with nothing quantized, the
/// exit code is 1 and the model is still written.
/// </summary>
public sealed class VerdictCommandTests
{
    private static string Mnist => Quote(Assets.Model("mnist-cnn.onnx"));
    private static string Images => Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"));

    [Theory]
    [InlineData("--mode weight-only")]
    [InlineData("--mode dynamic")]
    [InlineData("--mode fp16")]
    [InlineData("")]
    public void WithDataEveryModeIsCheckedAgainstFloat(string mode)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out.onnx");

        var result = Run($"ptq quantize {Mnist} {mode} --data {Images} --calib-size 64 -o {Quote(output)}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("verified: ONNX Runtime loads the model and runs it at batch 1 with the float model's output shapes", result.Out);
        double cosine = GuardCosine(result.Out);
        Assert.InRange(cosine, 0.999, 1.0);
    }

    [Fact]
    public void WithoutDataTheSummarySaysTheAccuracyIsNotMeasured()
    {
        using var temp = new TempDirectory();
        var result = Run($"ptq quantize {Mnist} --mode weight-only -o {Quote(temp.File("out.onnx"))}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("verified: ONNX Runtime loads the model and runs it at batch 1 with the float model's output shapes (made-up inputs)", result.Out);
        Assert.Contains("check: accuracy not measured (no data); add --data DIR with a few samples to compare the output with float", result.Out);
    }

    [Fact]
    public void DynamicModeOnAModelWithoutMatMulExits1NamingWhatItCovers()
    {
        using var temp = new TempDirectory();
        string model = temp.File("conv.onnx"), output = temp.File("out.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(TestModels.ConvReluAdd()));

        var result = Run($"ptq quantize {Quote(model)} --mode dynamic -o {Quote(output)}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ptq: nothing was quantized: --mode dynamic quantizes MatMul and Gemm with a constant 2-D weight", result.Error);
        Assert.Contains("1 Conv", result.Error);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void FewCalibrationSamplesGetAWarning()
    {
        using var temp = new TempDirectory();
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 8 -o {Quote(temp.File("out.onnx"))}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ptq: warning: only 8 calibration sample(s): ranges from so few are unreliable; give at least 100 with --data", result.Error);
    }

    /// <summary>
    /// A mel-spectrogram front end (frame Conv, square, mel MatMul, Log; four activations): the log turns the rounding of
    /// small powers into large errors. The guard's search may keep all but one activation float, so on this small graph
    /// it reaches its own target instead of stopping at a quarter.
    /// </summary>
    [Fact]
    public void TheGuardReachesItsTargetOnASmallGraph()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mel.onnx"), data = Path.Combine(temp.Path, "data"), output = temp.File("out.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(MelFrontEnd()));
        WriteAudio(data, count: 24);

        var plain = Run($"ptq quantize {Quote(model)} --data {Quote(data)} --accuracy-guard off -o {Quote(temp.File("plain.onnx"))}");
        var guarded = Run($"ptq quantize {Quote(model)} --data {Quote(data)} -o {Quote(output)}");

        Assert.Equal(0, plain.ExitCode);
        double plainCosine = double.Parse(plain.Out.Split("check: output cosine ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(plainCosine < 0.99, $"plain cosine {plainCosine}");
        Assert.True(guarded.ExitCode == 0, guarded.Out + guarded.Error);
        Assert.Contains("below the guard 0.995: kept ", guarded.Out);
        Assert.True(GuardCosine(guarded.Out) >= 0.995, guarded.Out);
    }

    /// <summary>A check sample the float model turns into NaN is the data's fault: exit 2 naming the file, nothing written.</summary>
    [Fact]
    public void ACheckSampleWithANaNFloatOutputIsBadInputNamingTheFile()
    {
        using var temp = new TempDirectory();
        string model = temp.File("log.onnx"), data = Path.Combine(temp.Path, "data"), output = temp.File("out.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(LogOfMatMul()));
        Directory.CreateDirectory(data);
        File.WriteAllBytes(Path.Combine(data, "good.npy"), Data.NpyWriter.Bytes("<f4", [1, 8], Data.NpyWriter.Floats([.. Enumerable.Repeat(1f, 8)])));
        File.WriteAllBytes(Path.Combine(data, "negative.npy"), Data.NpyWriter.Bytes("<f4", [1, 8], Data.NpyWriter.Floats([.. Enumerable.Repeat(-1f, 8)])));

        var result = Run($"ptq quantize {Quote(model)} --mode weight-only --data {Quote(data)} -o {Quote(output)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ptq: error: check sample 'negative.npy' makes the float model output NaN (in 'Y')", result.Error);
        Assert.False(File.Exists(output));
    }

    /// <summary>A model whose outputs are all integers (labels) cannot be compared: the summary says so instead of a cosine.</summary>
    [Fact]
    public void AModelWithIntegerOutputsOnlySaysTheCheckCouldNotRun()
    {
        using var temp = new TempDirectory();
        string model = temp.File("argmax.onnx"), data = Path.Combine(temp.Path, "data");
        var proto = LogOfMatMul();
        proto.Graph.Node[1] = TestModels.Node("ArgMax", "label", ["P"], ["L"], Ptq.Graph.Node.IntAttribute("axis", 1));
        proto.Graph.Output.Clear();
        var label = TestModels.FloatInfo("L", 1, 1);
        label.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int64;
        proto.Graph.Output.Add(label);
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(proto));
        Directory.CreateDirectory(data);
        File.WriteAllBytes(Path.Combine(data, "a.npy"), Data.NpyWriter.Bytes("<f4", [1, 8], Data.NpyWriter.Floats([.. Enumerable.Repeat(1f, 8)])));

        var result = Run($"ptq quantize {Quote(model)} --mode weight-only --data {Quote(data)} -o {Quote(temp.File("out.onnx"))}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("check: not run: the model has no float output to compare (integer outputs hold indices, not signal)", result.Out);
    }

    /// <summary>X[1,8] → MatMul(W[8,4], W ≥ 0.1) → P → Log → Y[1,4]: finite for positive inputs, NaN for negative ones.</summary>
    private static ModelProto LogOfMatMul()
    {
        var graph = new GraphProto { Name = "log" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 8));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 4));
        graph.Initializer.Add(TensorData.FromFloats("W", [8, 4], [.. Enumerable.Range(0, 32).Select(i => 0.1f + (i % 7) / 10f)]));
        graph.Node.Add(TestModels.Node("MatMul", "matmul", ["X", "W"], ["P"]));
        graph.Node.Add(TestModels.Node("Log", "log", ["P"], ["Y"]));
        return TestModels.Model(graph);
    }

    /// <summary>The cosine after "output cosine now" (guard searched) or in the guard's line (passed).</summary>
    private static double GuardCosine(string output)
    {
        string marker = output.Contains("output cosine now ", StringComparison.Ordinal) ? "output cosine now " : "accuracy guard: output cosine ";
        return double.Parse(output.Split(marker)[1][..7], CultureInfo.InvariantCulture);
    }

    /// <summary>audio[1,1,1024] → Conv (32 cosine/sine frames of 64, stride 32) → x² → MatMul mel[32,8] (after a transpose) → Log(x + 1e-6).</summary>
    private static ModelProto MelFrontEnd()
    {
        var graph = new GraphProto { Name = "mel" };
        graph.Input.Add(TestModels.FloatInfo("audio", 1, 1, 1024));
        graph.Output.Add(TestModels.FloatInfo("logmel", 1, 31, 8));
        var frames = new float[32 * 64];
        for (int f = 0; f < 16; f++)
            for (int t = 0; t < 64; t++)
            {
                double window = 0.5 - 0.5 * Math.Cos(2 * Math.PI * t / 64);
                frames[(2 * f * 64) + t] = (float)(window * Math.Cos(2 * Math.PI * (f + 1) * t / 64));
                frames[((2 * f + 1) * 64) + t] = (float)(window * Math.Sin(2 * Math.PI * (f + 1) * t / 64));
            }
        graph.Initializer.Add(TensorData.FromFloats("frames", [32, 1, 64], frames));
        var mel = new float[32 * 8];
        for (int b = 0; b < 32; b++)
            mel[(b * 8) + Math.Min(7, b / 4)] = 1;
        graph.Initializer.Add(TensorData.FromFloats("mel", [32, 8], mel));
        graph.Initializer.Add(TensorData.FromFloats("eps", [], [1e-6f]));
        graph.Node.Add(TestModels.Node("Conv", "stft", ["audio", "frames"], ["spec"],
            Ptq.Graph.Node.IntsAttribute("kernel_shape", [64]), Ptq.Graph.Node.IntsAttribute("strides", [32])));
        graph.Node.Add(TestModels.Node("Mul", "power", ["spec", "spec"], ["pow"]));
        graph.Node.Add(TestModels.Node("Transpose", "frames_first", ["pow"], ["powt"], Ptq.Graph.Node.IntsAttribute("perm", [0, 2, 1])));
        graph.Node.Add(TestModels.Node("MatMul", "melbank", ["powt", "mel"], ["melpow"]));
        graph.Node.Add(TestModels.Node("Add", "floor", ["melpow", "eps"], ["melpos"]));
        graph.Node.Add(TestModels.Node("Log", "log", ["melpos"], ["logmel"]));
        return TestModels.Model(graph);
    }

    /// <summary>Seeded sums of a few sines with varying loudness, as .npy files.</summary>
    private static void WriteAudio(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(17);
        for (int i = 0; i < count; i++)
        {
            double loudness = Math.Pow(10, -2 * random.NextDouble());
            var tones = Enumerable.Range(0, 3).Select(_ => (Frequency: 1 + random.Next(15), Phase: random.NextDouble() * 6)).ToArray();
            var values = Enumerable.Range(0, 1024)
                .Select(t => (float)(loudness * tones.Sum(s => Math.Sin((2 * Math.PI * s.Frequency * t / 64) + s.Phase)) + 0.001 * (random.NextDouble() - 0.5)))
                .ToArray();
            File.WriteAllBytes(Path.Combine(folder, $"{i:D2}.npy"), Data.NpyWriter.Bytes("<f4", [1, 1, 1024], Data.NpyWriter.Floats(values)));
        }
    }
}
