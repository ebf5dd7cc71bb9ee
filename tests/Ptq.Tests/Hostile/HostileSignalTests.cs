namespace Ptq.Tests.Hostile;

/// <summary>
/// SIGTERM and SIGINT at several points of a real quantization (start-up and model load, image decoding and ORT
/// calibration runs): the child <c>ptq</c> ends within a few seconds with exit 130, the previous output is untouched
/// and no temporary file is left. Runs the built CLI as a child process, since a signal ends the whole process.
/// </summary>
public sealed class HostileSignalTests
{
    /// <summary>From the signal to the exit: the issue asks for "a second or two"; the machine is shared, so allow a margin.</summary>
    private const double ExitWithinSeconds = 5;

    [LinuxFact]
    public void Sigterm_DuringStartUp_Exits130()
    {
        Interrupt("TERM", afterSeconds: 0.5);
    }

    [LinuxFact]
    public void Sigint_DuringCalibration_Exits130()
    {
        Interrupt("INT", afterSeconds: 6);
    }

    [LinuxFact]
    public void Sigterm_DuringCalibration_Exits130()
    {
        Interrupt("TERM", afterSeconds: 9);
    }

    private static void Interrupt(string signal, double afterSeconds)
    {
        using var space = new HostileWorkspace(samples: 0);
        string output = space.Out("q.onnx");
        byte[] old = [1, 2, 3, 4];
        File.WriteAllBytes(output, old);
        File.WriteAllText(space.Out("quant_param.csv"), "old\n");

        // SqueezeNet over 500 ImageNet JPEGs with KL: far longer than the delays, so the signal lands mid-run.
        var (exitCode, milliseconds, error) = HostileRun.Interrupted(signal, afterSeconds, "quantize", Assets.Model("squeezenet1.1.onnx"),
            "--data", Assets.Get("imagenet", "images"), "--resize-short", "256", "--crop", "224,224",
            "--mean", "123.675,116.28,103.53", "--std", "58.395,57.12,57.375", "--method", "kl", "-o", output);

        Assert.True(exitCode == 130, $"exit {exitCode?.ToString() ?? "none"} after SIG{signal}; stderr: {error}");
        Assert.True(milliseconds < ExitWithinSeconds * 1000, $"exited {milliseconds} ms after SIG{signal}");
        Assert.Contains("ptq: interrupted", error);
        Assert.Equal(old, File.ReadAllBytes(output));
        Assert.Equal("old\n", File.ReadAllText(space.Out("quant_param.csv")));
        space.AssertOut("q.onnx", "quant_param.csv");
    }
}
