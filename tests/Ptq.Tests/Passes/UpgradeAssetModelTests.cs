using Ptq.Onnx;
using Ptq.Passes;

namespace Ptq.Tests.Passes;

public class UpgradeAssetModelTests
{
    public static TheoryData<string, long, int> Cases => new()
    {
        { "squeezenet1.1.onnx", 7, 13 }, { "squeezenet1.1.onnx", 7, 21 },
        { "mnist-cnn.onnx", 7, 13 }, { "mnist-cnn.onnx", 7, 21 },
        { "cifar10-cnn.onnx", 10, 13 }, { "cifar10-cnn.onnx", 10, 21 },
        { "ppocrv4-det.onnx", 11, 13 }, { "ppocrv4-det.onnx", 11, 21 },
        { "ppocrv4-rec.onnx", 9, 13 }, { "ppocrv4-rec.onnx", 9, 21 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Upgrade_KeepsOutputsOnSeededInputs(string file, long sourceOpset, int target)
    {
        using var original = ModelIO.Load(Assets.Model(file));
        Assert.Equal(sourceOpset, original.DefaultOpset);
        Assert.Empty(OpsetUpgrader.CheckSupported(original, target));

        using var upgraded = OpsetUpgrader.Upgrade(original, target);

        Assert.Equal(target, upgraded.DefaultOpset);
        Assert.Equal(sourceOpset, original.DefaultOpset); // the input model is left alone
        Assert.True(upgraded.Proto.IrVersion >= 7);
        // The upgraded model must survive a save/load with validation.
        using var reloaded = ModelIO.Load(ModelIO.ToBytes(upgraded), file);
        foreach (int seed in new[] { 1, 2 })
            Assert.True(UpgradeTestModels.AssertSameOutputs(original, reloaded, seed) > 0);
    }

    [Fact]
    public void Upgrade_OfModelAlreadyAtTarget_IsAnUnchangedCopy()
    {
        using var original = ModelIO.Load(Assets.Model("cifar10-cnn.onnx"));
        using var upgraded = OpsetUpgrader.Upgrade(OpsetUpgrader.Upgrade(original, 13), 13);
        using var once = OpsetUpgrader.Upgrade(original, 13);
        Assert.Equal(once.Proto, upgraded.Proto);
    }
}
