using Ptq.Onnx;
using Ptq.Quantization;

namespace Ptq.Tests.Quantization;

public class QuantSchemeTests
{
    [Theory]
    [InlineData(2, QuantMode.AsymmetricUnsigned, false, false, 0, 3)]
    [InlineData(2, QuantMode.AsymmetricSigned, false, false, -2, 1)]
    [InlineData(2, QuantMode.Symmetric, false, false, -2, 1)]
    [InlineData(2, QuantMode.Symmetric, true, false, -1, 1)] // ternary
    [InlineData(3, QuantMode.Symmetric, true, true, -1, 1)] // reduce-range: 2 bits of codes
    [InlineData(3, QuantMode.AsymmetricUnsigned, false, true, 0, 3)]
    [InlineData(4, QuantMode.AsymmetricUnsigned, false, false, 0, 15)]
    [InlineData(4, QuantMode.Symmetric, true, false, -7, 7)]
    [InlineData(4, QuantMode.AsymmetricSigned, false, true, -4, 3)]
    [InlineData(8, QuantMode.Symmetric, true, false, -127, 127)]
    [InlineData(8, QuantMode.Symmetric, true, true, -63, 63)]
    [InlineData(8, QuantMode.AsymmetricUnsigned, false, true, 0, 127)]
    [InlineData(12, QuantMode.AsymmetricSigned, false, false, -2048, 2047)]
    [InlineData(16, QuantMode.Symmetric, true, false, -32767, 32767)]
    [InlineData(16, QuantMode.AsymmetricUnsigned, false, true, 0, 32767)]
    public void CodeRangesFollowBitsModeAndRestrictions(int bits, QuantMode mode, bool narrow, bool reduce, int qmin, int qmax)
    {
        var scheme = new QuantScheme(bits, mode, narrow, reduce).Validate("test");
        Assert.Equal((qmin, qmax), (scheme.QMin, scheme.QMax));
        var storage = QuantizedTensors.Range(scheme.ActivationStorageType);
        Assert.InRange(qmin, storage.Min, storage.Max);
        Assert.InRange(qmax, storage.Min, storage.Max);
    }

    [Theory]
    [InlineData(2, false, 13, "INT8", "INT8", true)]
    [InlineData(4, false, 21, "INT4", "INT8", true)] // weights INT4 where DequantizeLinear has it; activations never
    [InlineData(5, false, 21, "INT8", "INT8", true)]
    [InlineData(8, false, 21, "INT8", "INT8", false)] // fills the type: QuantizeLinear's own saturation is the range
    [InlineData(8, true, 13, "INT8", "INT8", true)] // 7 bits of codes
    [InlineData(9, false, 21, "INT16", "INT16", true)]
    [InlineData(16, false, 21, "INT16", "INT16", false)]
    public void StorageTypesHoldTheCodes(int bits, bool reduce, long opset, string weightType, string activationType, bool narrower)
    {
        var scheme = new QuantScheme(bits, QuantMode.AsymmetricSigned, ReduceRange: reduce);
        Assert.Equal(weightType, OnnxDataType.Name((int)scheme.StorageType(opset)));
        Assert.Equal(activationType, OnnxDataType.Name((int)scheme.ActivationStorageType));
        Assert.Equal(narrower, scheme.NarrowerThanActivationStorage);
        Assert.Equal(bits is <= 4 or > 8, scheme.WeightsNeedOpset21);
        Assert.Equal(bits > 8, scheme.ActivationsNeedOpset21);
        Assert.Equal("UINT" + activationType[3..], OnnxDataType.Name((int)(scheme with { Mode = QuantMode.AsymmetricUnsigned }).ActivationStorageType));
    }

    [Fact]
    public void NarrowRangeAloneNeedsNoClamp() =>
        Assert.False(new QuantScheme(8, QuantMode.Symmetric, NarrowRange: true).NarrowerThanActivationStorage);
}
