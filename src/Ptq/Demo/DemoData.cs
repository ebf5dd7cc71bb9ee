using Ptq.Data;
using Ptq.Runtime;

namespace Ptq.Demo;

/// <summary>
/// Synthetic images for the demo model: smooth random colour fields with a few bright blobs, roughly in [-2, 2]
/// like normalised photos, one [1,3,32,32] sample per index, reproducible from the seed.
/// </summary>
internal static class DemoData
{
    /// <summary>Samples <paramref name="first"/> … <paramref name="first"/>+<paramref name="count"/>-1 (each from its own seed).</summary>
    public static IEnumerable<CalibrationSample> Samples(int count, int first = 0, int seed = 7)
    {
        for (int i = first; i < first + count; i++)
        {
            var tensor = InputTensor.FromFloats(DemoModel.InputName, InputElementType.Float32, [1, 3, 32, 32], Image(seed * 100_003 + i));
            yield return new CalibrationSample(new Dictionary<string, InputTensor> { [DemoModel.InputName] = tensor }, $"demo[{i}]");
        }
    }

    /// <summary>The same samples as ORT feeds.</summary>
    public static IEnumerable<IReadOnlyDictionary<string, TensorValue>> Feeds(int count, int first = 0, int seed = 7) =>
        Samples(count, first, seed).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());

    private static float[] Image(int seed)
    {
        var random = new Random(seed);
        var pixels = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++)
        {
            float fx = (float)random.NextDouble() * 0.4f, fy = (float)random.NextDouble() * 0.4f, phase = (float)random.NextDouble() * 6f;
            float level = DemoModel.Normal(random) * 0.5f;
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    pixels[c * 1024 + y * 32 + x] = level + MathF.Sin(fx * x + fy * y + phase) + 0.2f * DemoModel.Normal(random);
        }
        for (int blob = 0; blob < 3; blob++)
        {
            int cx = random.Next(32), cy = random.Next(32), channel = random.Next(3);
            for (int y = Math.Max(0, cy - 3); y < Math.Min(32, cy + 4); y++)
                for (int x = Math.Max(0, cx - 3); x < Math.Min(32, cx + 4); x++)
                    pixels[channel * 1024 + y * 32 + x] += 1.5f;
        }
        return pixels;
    }
}
