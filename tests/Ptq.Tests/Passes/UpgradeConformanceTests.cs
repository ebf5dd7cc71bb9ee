using System.Diagnostics;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Tests.Onnx.Conformance;
using Xunit.Abstractions;

namespace Ptq.Tests.Passes;

/// <summary>
/// Runs the opset upgrader over ONNX's backend test models below opset 13: every model the upgrader accepts must still
/// reproduce the reference outputs in ORT (when the original does), and every model it refuses must fail with
/// <see cref="OpsetUpgradeException"/>. Counts are pinned so coverage cannot silently regress.
/// </summary>
public class UpgradeConformanceTests(ITestOutputHelper output)
{
    // Cases whose original passes in ORT but whose upgrade cannot reproduce the reference outputs, with why.
    private static readonly Dictionary<string, string> KnownFailures = new(StringComparer.Ordinal)
    {
    };

    [OnnxTestDataFact]
    public void UpgradedBackendModels_ReproduceReferenceOutputs()
    {
        var clock = Stopwatch.StartNew();
        int candidates = 0, upgraded = 0, checkedCases = 0, reproduced = 0, refused = 0, originalFails = 0, notTensor = 0, rescued = 0;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var unverified = new List<string>();
        foreach (var testCase in OnnxTestData.Cases())
        {
            var test = new BackendTestCase(Path.GetDirectoryName(testCase.ModelPath)!);
            using var model = ModelIO.Load(test.ModelPath, validate: false);
            if (model.DefaultOpset is <= 0 or >= 13)
                continue;
            candidates++;
            var blockers = OpsetUpgrader.CheckSupported(model);
            if (blockers.Count > 0)
            {
                refused++;
                Assert.Throws<OpsetUpgradeException>(() => OpsetUpgrader.Upgrade(model).Dispose());
                foreach (string key in blockers.Select(ReasonKey).Distinct())
                    reasons[key] = reasons.GetValueOrDefault(key) + 1;
                continue;
            }
            using var result = OpsetUpgrader.Upgrade(model);
            upgraded++;
            Assert.Equal(13, result.DefaultOpset);
            var feeds = test.Feeds(model);
            if (feeds is null)
            {
                notTensor++;
                continue;
            }
            if (test.Check(model, feeds) is not null)
            {
                // ORT cannot run most pre-7 ops; the upgraded model can still be held to the reference outputs.
                originalFails++;
                if (test.Check(result, feeds) is null)
                    rescued++;
                else
                    unverified.Add(test.Name);
                continue;
            }
            checkedCases++;
            if (test.Check(result, feeds) is { } failure)
            {
                if (!KnownFailures.ContainsKey(test.Name))
                    failures.Add($"{test.Name}: {failure}");
            }
            else
            {
                reproduced++;
            }
        }

        output.WriteLine($"candidates (opset < 13): {candidates}, refused: {refused}, upgraded: {upgraded}");
        output.WriteLine($"  of the upgraded: non-tensor inputs {notTensor}, original fails in ORT {originalFails}, checked {checkedCases}, reproduced {reproduced}");
        output.WriteLine($"  of the originals ORT fails on: upgraded reproduces the reference {rescued}, neither runs/matches {unverified.Count}: {string.Join(", ", unverified)}");
        output.WriteLine($"top refusal reasons:");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(15))
            output.WriteLine($"  {count,4}  {reason}");
        foreach (string failure in failures)
            output.WriteLine($"FAIL {failure}");
        output.WriteLine($"elapsed {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Empty(failures);
        Assert.Equal((361, 1, 360, 311, 311, 34), (candidates, refused, upgraded, checkedCases, reproduced, rescued));
    }

    // Group blockers by op and the reason's first words, so counts read as "ImageScaler: no adapter".
    private static string ReasonKey(UpgradeBlocker blocker) =>
        $"{blocker.OpType}: {string.Join(' ', blocker.Reason.Split(' ').Take(8))}";
}
