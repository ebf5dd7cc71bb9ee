using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Evaluation.Text;
using Ptq.Onnx;

namespace Ptq.Tests.Evaluation;

/// <summary>Perplexity, the text windows it is measured on, and the vocabulary that tokenizes them.</summary>
public sealed class PerplexityTests
{
    private static readonly ModelInputInfo Ids = new("ids", InputElementType.Int64, [1, 4]);

    [Fact]
    public void UniformLogitsGiveThePerplexityOfTheVocabularySize()
    {
        var counter = new PerplexityCounter();
        counter.Add(new float[3 * 5], 5, [0, 4, -1]); // two scored positions, one without a target
        var result = counter.ToResult();
        Assert.Equal(2, result.Tokens);
        Assert.Equal(5, result.Perplexity, 12);
        Assert.Equal(Math.Log2(5), result.BitsPerToken, 12);
        Assert.Equal(50, result.Top1Percent); // ties pick the first index: target 0 is hit, 4 is not
    }

    [Fact]
    public void NegativeLogLikelihoodIsTheLogSoftmaxOfTheTarget()
    {
        float[] logits = [1000, 1001, 999]; // large values: the max shift keeps exp finite
        var counter = new PerplexityCounter();
        counter.Add(logits, 3, [2]);
        double expected = Math.Log(Math.Exp(-1) + 1 + Math.Exp(-2)) + 2;
        Assert.Equal(expected, counter.ToResult().NegativeLogLikelihood, 9);
        Assert.Equal(0, counter.ToResult().Top1Correct);
        Assert.True(double.IsNaN(new PerplexityCounter().ToResult().Perplexity));
    }

    [Fact]
    public void VocabularyTokenizesByLongestMatchAndMapsTheRestToUnknown()
    {
        using var dir = new TempDir();
        string path = dir.WriteText("v.json", """{"vocab": ["<unk>", "a", "b", "ab", "<pad>"], "context": 4}""");
        var vocabulary = Vocabulary.Load(path);
        Assert.Equal(4, vocabulary.Context);
        Assert.Equal(0, vocabulary.UnknownId);
        Assert.Equal([3, 1, 0, 2, 0], vocabulary.Tokenize("abaxb<pad>"[..6], "text")); // "ab","a","x"→unk,"b","<"→unk
        Assert.Equal([0, 0, 1, 0, 0], vocabulary.Tokenize("<pad>", "text")); // special entries never match text, their letters do
    }

    [Theory]
    [InlineData("""{"vocab": ["a", "a"]}""", "appears twice")]
    [InlineData("""{"vocab": "abc"}""", "'vocab'")]
    [InlineData("""{"vocab": ["a", 3]}""", "entry 1 is Number")]
    [InlineData("""{"vocab": ["a"], "context": 0}""", "'context' must be a positive integer")]
    [InlineData("""{"vocab": ["<unk>"]}""", "no token that can match")]
    [InlineData("""{"vocab": [""", "not valid JSON")]
    public void MalformedVocabulariesAreRefusedNamingTheFile(string json, string expected)
    {
        using var dir = new TempDir();
        string path = dir.WriteText("v.json", json);
        var e = Assert.Throws<EvaluationException>(() => Vocabulary.Load(path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("v.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextWithoutAnUnknownEntryMustBeCovered()
    {
        using var dir = new TempDir();
        var vocabulary = Vocabulary.Load(dir.WriteText("v.json", """{"vocab": ["a", "b"]}"""));
        var e = Assert.Throws<EvaluationException>(() => vocabulary.Tokenize("abc", "t.txt"));
        Assert.Contains("character 2 ('c')", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextWindowsAreConsecutiveAndTargetTheNextToken()
    {
        using var dir = new TempDir();
        string vocab = dir.WriteText("v.json", """{"vocab": ["<unk>", "a", "b", "c", "d"], "context": 4}""");
        string text = dir.WriteText("t.txt", "abcdabcdab"); // 10 tokens: two whole windows

        var source = TextWindowSource.Open(text, vocab, [Ids]);

        Assert.Equal((2, 4, 10), (source.Count, source.Context, source.TokenCount));
        var windows = source.ToList();
        Assert.Equal([1L, 2, 3, 4], (long[])windows[0]["ids"].Data);
        Assert.Equal([1, 4], windows[1]["ids"].GetDims());
        Assert.Equal("t.txt[1]", windows[1].SourceName);
        Assert.Equal([2L, 3, 4, 1], source.TargetsOf(windows[0], 0));
        Assert.Equal([2L, 3, 4, 1], source.TargetsOf(windows[1], 1)); // the last target is the first token of the rest
        Assert.Equal(1, TextWindowSource.Open(text, vocab, [Ids], limit: 1).Count);
        Assert.Equal(["t.txt[0]", "t.txt[1]"], source.Spread(5).Select(s => s.SourceName));

        string exact = dir.WriteText("e.txt", "abcdabcd");
        var last = TextWindowSource.Open(exact, vocab, [Ids]);
        Assert.Equal([2L, 3, 4, -1], last.TargetsOf(last.ToList()[1], 1)); // nothing follows the text
    }

    [Fact]
    public void TextWindowsRefuseModelsAndTextsTheyCannotFeed()
    {
        using var dir = new TempDir();
        string vocab = dir.WriteText("v.json", """{"vocab": ["<unk>", "a"], "context": 4}""");
        string text = dir.WriteText("t.txt", "aaaaaaaa");

        Assert.Contains("context 4 but input 'ids' takes 8",
            Assert.Throws<EvaluationException>(() => TextWindowSource.Open(text, vocab, [Ids with { Shape = [1, 8] }])).Message, StringComparison.Ordinal);
        Assert.Contains("is Float32",
            Assert.Throws<EvaluationException>(() => TextWindowSource.Open(text, vocab, [Ids with { ElementType = InputElementType.Float32 }])).Message, StringComparison.Ordinal);
        Assert.Contains("fewer than one window of 4",
            Assert.Throws<EvaluationException>(() => TextWindowSource.Open(dir.WriteText("s.txt", "aaa"), vocab, [Ids])).Message, StringComparison.Ordinal);
        string noContext = dir.WriteText("n.json", """{"vocab": ["a"]}""");
        Assert.Contains("add \"context\": N",
            Assert.Throws<EvaluationException>(() => TextWindowSource.Open(text, noContext, [Ids with { Shape = [1, null] }])).Message, StringComparison.Ordinal);
        Assert.Equal(2, TextWindowSource.Open(text, vocab, [Ids with { Shape = [null, null] }]).Count); // context from the vocabulary
    }

    [Fact]
    public void ShiftedTargetsComeFromTheInputItself()
    {
        var sample = new CalibrationSample(new Dictionary<string, InputTensor> { ["ids"] = new("ids", InputElementType.Int32, [1, 3], new[] { 5, 6, 7 }) }, "w.npy");
        Assert.Equal([6L, 7, -1], new ShiftedTokenTargets("ids").TargetsOf(sample, 0));
        Assert.Throws<EvaluationException>(() => new ShiftedTokenTargets("x").TargetsOf(sample, 0));
    }

    [Fact]
    public void CharGptScoresItsPublishedPerplexityOnTheTestText()
    {
        using var model = ModelIO.Load(Assets.Model("char-gpt.onnx"));
        var text = TextWindowSource.Open(Assets.Get("text", "char-gpt.test.txt"), Assets.Model("char-gpt.vocab.json"), ModelInputs.Of(model), limit: 64);

        var report = Evaluator.EvaluateLanguageModel(model, model, text, text, new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 1 });

        // The assets' README: fp32 perplexity 3.21 on the first 64 windows of 128 characters.
        var perplexity = report.Perplexity!;
        Assert.Equal(64 * 128, perplexity.Tokens);
        Assert.InRange(perplexity.Perplexity, 3.205, 3.215);
        Assert.Equal(perplexity, report.ReferencePerplexity);
        Assert.Equal((64L * 128, 64L * 128), (report.Comparison!.ArgmaxRows, report.Comparison.ArgmaxAgreements)); // per position
        Assert.Equal("next tokens of 'char-gpt.test.txt'", report.Targets);
    }

    [Fact]
    public void OutputsThatAreNotLogitsPerPositionAreRefused()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist")], new DataSourceOptions { Limit = 1 });
        var e = Assert.Throws<EvaluationException>(() => Evaluator.EvaluateLanguageModel(model, null, source, new FixedTargets(3), new EvaluationOptions { LatencyRuns = 0 }));
        Assert.Contains("[1,T,V] or [T,V] with T = 3", e.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTargets(int length) : ISequenceTargets
    {
        public string Description => "fixed";

        public long[] TargetsOf(CalibrationSample sample, int sampleIndex) => new long[length];
    }
}

internal static class TempDirText
{
    public static string WriteText(this TempDir dir, string name, string text)
    {
        string path = dir.File(name);
        File.WriteAllText(path, text);
        return path;
    }
}
