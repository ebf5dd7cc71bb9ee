using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Ptq.Statistics;

namespace Ptq.Bench;

/// <summary>
/// Observer throughput over one 4M-float (16 MiB) batch, next to a plain TensorPrimitives.Max pass as the
/// memory-bandwidth reference. GB/s = 16.78e6 bytes / mean time.
/// Run: dotnet run -c Release --project bench/Ptq.Bench -- --filter '*ObserverBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ObserverBenchmarks
{
    private const int Length = 4 * 1024 * 1024;
    private float[] _data = [];
    private MinMaxObserver _minMax = null!;
    private MomentsObserver _moments = null!;
    private HistogramObserver _histogram = null!;
    private float[] _relu = [];
    private HistogramObserver _reluHistogram = null!;
    private ZeroCountObserver _zeros = null!;
    private TensorStatistics _all = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1234);
        _data = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            _data[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        // ReLU outputs, what calibration mostly sees: half the values exact zeros.
        _relu = [.. _data.Select(v => Math.Max(v, 0f))];
        _reluHistogram = new HistogramObserver("relu");
        _reluHistogram.Observe(_relu);
        _minMax = new MinMaxObserver("x");
        _moments = new MomentsObserver("x");
        _histogram = new HistogramObserver("x");
        _zeros = new ZeroCountObserver("x");
        _all = new TensorStatistics("x");
        // Warm the histogram range so the benchmark measures steady-state binning, not the first re-grid.
        _histogram.Observe(_data);
        _all.Observe(_data);
    }

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesMax() => TensorPrimitives.Max(_data);

    /// <summary>What the min/max step did before the fused pass: two TensorPrimitives reductions.</summary>
    [Benchmark]
    public float TensorPrimitivesMinThenMax() => TensorPrimitives.Min(_data) + TensorPrimitives.Max(_data);

    [Benchmark]
    public double MinMax()
    {
        _minMax.Observe(_data);
        return _minMax.Max;
    }

    [Benchmark]
    public double Moments()
    {
        _moments.Observe(_data);
        return _moments.M2;
    }

    [Benchmark]
    public long Histogram()
    {
        _histogram.Observe(_data);
        return _histogram.Count;
    }

    [Benchmark]
    public long HistogramOfRelu()
    {
        _reluHistogram.Observe(_relu);
        return _reluHistogram.Count;
    }

    [Benchmark]
    public long ZeroCount()
    {
        _zeros.Observe(_data);
        return _zeros.Zeros;
    }

    [Benchmark]
    public long AllPerTensor()
    {
        _all.Observe(_data);
        return _all.Count;
    }
}
