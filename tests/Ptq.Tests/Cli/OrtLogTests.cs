using Ptq.Tests.Hostile;

namespace Ptq.Tests.Cli;

/// <summary>What ONNX Runtime itself prints: nothing beside Ptq's own report of a failed run.</summary>
public class OrtLogTests
{
    /// <summary>
    /// Silero VAD cannot run on the made-up input verification feeds it (its STFT pads 32 samples by 32), so ORT fails
    /// the run: Ptq reports ORT's message once, in its verification line, and ORT's logger adds no lines of its own to
    /// standard error.
    /// </summary>
    [Fact]
    public async Task A_failed_run_is_reported_once_by_ptq_and_not_by_onnx_runtime()
    {
        using var temp = new TempDirectory();
        using var process = HostileRun.Start("quantize", Assets.Model("silero-vad.onnx"), "--mode", "weight-only", "-o", temp.File("vad.onnx"));
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("not run (batch 1: ONNX Runtime failed to run the model", await output);
        string errors = await error;
        Assert.DoesNotContain("onnxruntime", errors);
        Assert.DoesNotContain("Pad reflect", errors);
    }
}
