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
    public const string SqueezeNet = "c43cf56ed5831427a7ce950ce795096e6c11ef951b6cdf1f94c252b023baad52";
    public const string Mnist = "bd6217a7117619415a29c4187e9b664ac4a7387fa4577814ed1d5b4d0bffcc8a";
    public const string Cifar10 = "95ae92cd3c72d932a84c3e860798b33cc469b67e09f4089689f4e02f99b6364d";
    public const string OcrDetector = "92756c0a18f78d05e4545c8915f367dc1b23b248c5522ad5b14fc3fa86578514";
    public const string OcrRecognizer = "aa0a3c5aedd696e05e0ae7ea14f1d7a30e3b198911b36cc1054b447fbdea3ba0";

    /// <summary>Lower-case hex SHA-256 of the model's serialized bytes.</summary>
    public static string Of(OnnxModel model) => Convert.ToHexStringLower(SHA256.HashData(model.Proto.ToByteArray()));
}
