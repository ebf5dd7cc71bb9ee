using System.Security.Cryptography;
using Google.Protobuf;
using Ptq.Onnx;

namespace Ptq.Tests.Integration;

/// <summary>
/// SHA-256 of the models the default recipe writes for the shared assets, pinned before the staged-pipeline refactor
/// (issue #11): a refactor that changes any byte of them changed behaviour. A deliberate change of the default recipe
/// updates the pins in the same commit, saying why.
/// </summary>
internal static class DefaultRecipePins
{
    public const string SqueezeNet = "";
    public const string Mnist = "";
    public const string Cifar10 = "";
    public const string OcrDetector = "";
    public const string OcrRecognizer = "";

    /// <summary>Lower-case hex SHA-256 of the model's serialized bytes.</summary>
    public static string Of(OnnxModel model) => Convert.ToHexStringLower(SHA256.HashData(model.Proto.ToByteArray()));
}
