using System.Collections;

namespace Ptq.Data;

/// <summary>An <see cref="ICalibrationSource"/> over samples already in memory (<see cref="CalibrationSources.FromSamples(Onnx.OnnxModel, IReadOnlyList{CalibrationSample})"/>).</summary>
internal sealed class SampleListSource(IReadOnlyList<ModelInputInfo> inputs, IReadOnlyList<CalibrationSample> samples) : ICalibrationSource
{
    public int Count => samples.Count;

    public int SkippedFiles => 0;

    public IReadOnlyList<ModelInputInfo> Inputs => inputs;

    public IEnumerable<CalibrationSample> Spread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int taken = Math.Min(count, samples.Count);
        return Enumerable.Range(0, taken).Select(j => samples[(int)((long)j * samples.Count / taken)]);
    }

    public IEnumerator<CalibrationSample> GetEnumerator() => samples.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
