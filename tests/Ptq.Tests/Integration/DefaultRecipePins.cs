using System.Security.Cryptography;
using Google.Protobuf;
using Ptq.Onnx;

namespace Ptq.Tests.Integration;

/// <summary>
/// SHA-256 of the models the default recipe writes for the shared assets, pinned before the staged-pipeline refactor
/// (issue #11): a refactor that changes any byte of them changed behaviour. A deliberate change of the default recipe
/// updates the pins in the same commit, saying why. The bytes also depend on the processor: ONNX Runtime picks its float
/// kernels by instruction set, and calibration ranges read from them differ in the last bits between kernels, so the
/// pins are checked only on processors with the instruction sets they were recorded on (<see cref="RecordedOn"/>).
/// </summary>
internal static class DefaultRecipePins
{
    public const string SqueezeNet = "c43cf56ed5831427a7ce950ce795096e6c11ef951b6cdf1f94c252b023baad52";
    public const string Mnist = "bd6217a7117619415a29c4187e9b664ac4a7387fa4577814ed1d5b4d0bffcc8a";
    public const string Cifar10 = "95ae92cd3c72d932a84c3e860798b33cc469b67e09f4089689f4e02f99b6364d";
    public const string OcrDetector = "39e0fcef88d0da639de37a36723212e149ab3faaf24538a4b65ed146748bb07c";
    public const string OcrRecognizer = "f982babfc2f9cd8511a577da474c128450edbf8cafe7b14fd9085e6a7fcb6340";

    /// <summary>The instruction sets (of <see cref="Profiled"/>) of the processor the pins were recorded on.</summary>
    public const string RecordedOn = "avx2 fma avx512f avx512bw avx512_vnni avx_vnni";

    /// <summary>The instruction sets that choose ONNX Runtime's CPU kernels.</summary>
    private static readonly string[] Profiled = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni"];

    /// <summary>This processor's <see cref="Profiled"/> instruction sets (Linux: /proc/cpuinfo), or null where unknown.</summary>
    public static string? Here { get; } = ReadProfile();

    /// <summary>Why the pins cannot be checked here, or null when they can.</summary>
    public static string? NotCheckable => Here == RecordedOn ? null
        : $"the pinned bytes were recorded on a processor with [{RecordedOn}], this one has [{Here ?? "unknown"}]: ONNX Runtime's kernels round differently";

    /// <summary>Asserts that <paramref name="model"/> has the <paramref name="pinned"/> bytes where <see cref="NotCheckable"/> allows, and prints the hash.</summary>
    public static void Check(string pinned, OnnxModel model, Xunit.Abstractions.ITestOutputHelper output)
    {
        string hash = Of(model);
        output.WriteLine($"model SHA-256 {hash}");
        if (NotCheckable is { } reason)
            output.WriteLine($"pin not checked: {reason}");
        else
            Assert.Equal(pinned, hash);
    }

    private static string? ReadProfile()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo))
            return null;
        string? flags = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        if (flags is null)
            return null;
        var present = flags[(flags.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return string.Join(' ', Profiled.Where(present.Contains));
    }

    /// <summary>Lower-case hex SHA-256 of the model's serialized bytes.</summary>
    public static string Of(OnnxModel model) => Convert.ToHexStringLower(SHA256.HashData(model.Proto.ToByteArray()));
}
