using System.Diagnostics;

namespace Ptq.Tests.Integration;

/// <summary>
/// Speech rendered with espeak-ng for voice-activity tests: sentences separated by seeded gaps of faint noise, at 16 kHz,
/// so a stream holds both speech and non-speech.
/// </summary>
internal static class RenderedSpeech
{
    public const string Espeak = "/usr/bin/espeak-ng";
    public const int SampleRate = 16000;

    /// <summary>Why speech cannot be rendered here, or null when espeak-ng is installed.</summary>
    public static string? Missing => File.Exists(Espeak) ? null : $"{Espeak} not found (apt-get install espeak-ng)";

    /// <summary>
    /// <paramref name="sentences"/> rendered one by one, each after a gap of 0.6–1.6 s, with Gaussian noise of standard
    /// deviation <paramref name="noise"/> over everything (speech peaks at 0.5); seeded.
    /// </summary>
    public static float[] Render(IEnumerable<string> sentences, int seed, float noise = 0.003f)
    {
        var random = new Random(seed);
        var audio = new List<float>();
        foreach (string sentence in sentences)
        {
            int gap = (int)(SampleRate * (0.6 + random.NextDouble()));
            audio.AddRange(new float[gap]);
            var speech = Speak(sentence);
            float peak = Math.Max(1e-6f, speech.Max(Math.Abs));
            audio.AddRange(speech.Select(s => s * 0.5f / peak));
        }
        audio.AddRange(new float[SampleRate]);
        var result = audio.ToArray();
        for (int i = 0; i < result.Length; i++)
            result[i] += noise * Gaussian(random);
        return result;
    }

    private static float[] Speak(string text)
    {
        string wav = Path.Combine(Path.GetTempPath(), $"ptq-speech-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo(Espeak) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in (string[])["-w", wav, text])
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"espeak-ng failed: {process.StandardError.ReadToEnd()}");
            var (samples, rate) = ReadWav(File.ReadAllBytes(wav));
            return Resample(samples, rate, SampleRate);
        }
        finally
        {
            File.Delete(wav);
        }
    }

    // 16-bit PCM mono RIFF, as espeak-ng writes it.
    private static (float[] Samples, int Rate) ReadWav(byte[] bytes)
    {
        int rate = 0, position = 12;
        while (position + 8 <= bytes.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(bytes, position, 4);
            int size = BitConverter.ToInt32(bytes, position + 4);
            int body = position + 8;
            if (id == "fmt ")
                rate = BitConverter.ToInt32(bytes, body + 4);
            if (id == "data")
            {
                int count = (Math.Min(size < 0 ? int.MaxValue : size, bytes.Length - body)) / 2;
                var samples = new float[count];
                for (int i = 0; i < count; i++)
                    samples[i] = BitConverter.ToInt16(bytes, body + 2 * i) / 32768f;
                return (samples, rate);
            }
            position = body + size + (size & 1);
        }
        throw new InvalidDataException("no data chunk in espeak-ng's wav");
    }

    // Linear interpolation after a 3-tap box low-pass: enough for a voice-activity test (espeak-ng renders at 22.05 kHz).
    private static float[] Resample(float[] samples, int from, int to)
    {
        if (from == to)
            return samples;
        var smoothed = new float[samples.Length];
        for (int i = 0; i < samples.Length; i++)
            smoothed[i] = (samples[Math.Max(0, i - 1)] + samples[i] + samples[Math.Min(samples.Length - 1, i + 1)]) / 3f;
        int count = (int)((long)samples.Length * to / from);
        var result = new float[count];
        for (int i = 0; i < count; i++)
        {
            double x = (double)i * from / to;
            int j = (int)x;
            double f = x - j;
            result[i] = (float)(smoothed[j] * (1 - f) + smoothed[Math.Min(j + 1, smoothed.Length - 1)] * f);
        }
        return result;
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
