using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Tests.Onnx;

public class AssetRoundTripTests
{
    public static TheoryData<string> Models => [.. Assets.ModelFiles];

    [Theory]
    [MemberData(nameof(Models))]
    public void LoadSaveLoad_KeepsTheModelAndOrtOutputsBitIdentical(string file)
    {
        using var temp = new TempDirectory();
        using var original = ModelIO.Load(Assets.Model(file));
        string saved = temp.File("copy.onnx");
        ModelIO.Save(original, saved);
        using var reloaded = ModelIO.Load(saved);

        Assert.Equal(original.Proto, reloaded.Proto);
        var feeds = SampleFeeds.For(original, seed: 7);
        using var before = new OrtRunner(original);
        using var after = new OrtRunner(reloaded);
        var a = before.Run(feeds);
        var b = after.Run(feeds);
        Assert.NotEmpty(a);
        foreach (var (name, value) in a)
            Assert.Equal(value.Raw, b[name].Raw);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void SaveIsDeterministic(string file)
    {
        using var temp = new TempDirectory();
        using var model = ModelIO.Load(Assets.Model(file));
        ModelIO.Save(model, temp.File("a.onnx"));
        ModelIO.Save(model, temp.File("b.onnx"));
        Assert.Equal(File.ReadAllBytes(temp.File("a.onnx")), File.ReadAllBytes(temp.File("b.onnx")));
    }
}
