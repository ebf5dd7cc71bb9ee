namespace Ptq.Statistics;

/// <summary>
/// Thrown by an observer when a batch holds NaN or ±Infinity, so that no NaN range ever reaches quantization.
/// The message names the tensor, the element index within the batch and its value.
/// </summary>
internal sealed class NonFiniteTensorException : PtqException
{
    /// <summary>Creates the exception for <paramref name="tensorName"/> at <paramref name="index"/> holding <paramref name="value"/>.</summary>
    public NonFiniteTensorException(string tensorName, long index, float value)
        : base($"Tensor '{tensorName}' holds a non-finite value ({value}) at element {index} of the observed batch. " +
               "Check the calibration inputs and preprocessing (e.g. division by a zero std) or exclude this tensor from quantization.")
    {
        TensorName = tensorName;
        Index = index;
        Value = value;
    }

    /// <summary>Name of the tensor that produced the value.</summary>
    public string TensorName { get; }

    /// <summary>Index of the first non-finite element within the batch.</summary>
    public long Index { get; }

    /// <summary>The offending value (NaN, +Infinity or -Infinity).</summary>
    public float Value { get; }
}
