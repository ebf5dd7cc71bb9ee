namespace Ptq.Tests.Onnx.Conformance;

/// <summary>
/// A fact that needs ONNX's backend test data (<see cref="OnnxTestData"/>): reported as skipped, with where it looked and
/// how to install it, when the data is absent. CI installs the data and fails when these tests were skipped.
/// </summary>
internal sealed class OnnxTestDataFactAttribute : FactAttribute
{
    public OnnxTestDataFactAttribute()
    {
        if (OnnxTestData.MissingReason is { } reason)
            Skip = reason;
    }
}
