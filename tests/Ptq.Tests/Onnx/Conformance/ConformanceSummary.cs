using System.Text;

namespace Ptq.Tests.Onnx.Conformance;

/// <summary>Counts over all case outcomes and a printable report of them.</summary>
internal sealed record ConformanceSummary(IReadOnlyList<CaseOutcome> All)
{
    public static ConformanceSummary Of(IReadOnlyList<CaseOutcome> all) => new(all);

    public int Loaded => All.Count(r => r.Stage != CaseStage.LoadFailed);
    public int RoundTripped => All.Count(r => r.Stage is not (CaseStage.LoadFailed or CaseStage.RoundTripFailed));
    public int NonTensorIo => Count(CaseStage.NonTensorIo);
    public int OrtRefused => Count(CaseStage.OrtRefused);
    public int Ran => Count(CaseStage.Ran);
    public int RandomOps => All.Count(r => r.Stage == CaseStage.Ran && r.Random);
    public int MatchedExpected => All.Count(r => r.Stage == CaseStage.Ran && !r.Random && r.OriginalMatchesExpected);
    public int Nondeterministic => All.Count(r => r.Nondeterministic);
    public IReadOnlyList<string> RoundTripFailures => [.. All.Where(r => r.Stage == CaseStage.RoundTripFailed).Select(r => $"{r.Case.Id}: {r.Detail}")];

    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"loaded {Loaded}, round-tripped {RoundTripped}, non-tensor I/O {NonTensorIo}, ran {Ran} (random ops {RandomOps}), matched expected {MatchedExpected} of {Ran - RandomOps}, ORT refused {OrtRefused}, nondeterministic {Nondeterministic}");
        text.AppendLine("ORT refusals by reason:");
        foreach (var group in All.Where(r => r.Stage == CaseStage.OrtRefused).GroupBy(r => r.Detail).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            text.AppendLine($"  {group.Count(),4}  {group.Key}  (e.g. {group.First().Case.Id})");
        Section(text, "load failures", All.Where(r => r.Stage == CaseStage.LoadFailed));
        Section(text, "round-trip failures", All.Where(r => r.Stage == CaseStage.RoundTripFailed));
        Section(text, "ran but differ from expected", All.Where(r => r.Stage == CaseStage.Ran && !r.Random && !r.OriginalMatchesExpected));
        Section(text, "random ops (expected outputs not comparable)", All.Where(r => r.Stage == CaseStage.Ran && r.Random));
        Section(text, "nondeterministic", All.Where(r => r.Nondeterministic));
        return text.ToString();
    }

    private int Count(CaseStage stage) => All.Count(r => r.Stage == stage);

    private static void Section(StringBuilder text, string title, IEnumerable<CaseOutcome> outcomes)
    {
        text.AppendLine($"{title}:");
        foreach (var r in outcomes)
            text.AppendLine($"  {r.Case.Id}: {r.Detail}");
    }
}
