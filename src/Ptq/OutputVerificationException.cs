namespace Ptq;

/// <summary>
/// The model Ptq produced failed its verification (the pipeline's verification stage): it does not load or run in ONNX Runtime
/// where the float model runs, or its outputs differ in name, type or shape. This is Ptq's fault, not the user's, so it
/// is not a <see cref="PtqException"/> (the CLI exits with 3), and the model is not written.
/// </summary>
public sealed class OutputVerificationException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> says what failed, where and why.</summary>
    public OutputVerificationException(string message, Exception? innerException = null) : base(message, innerException) { }
}
