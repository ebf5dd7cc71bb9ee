namespace Ptq.Onnx;

/// <summary>A file is not a readable ONNX model (not protobuf, truncated, or missing its graph).</summary>
internal sealed class OnnxFormatException(string message, Exception? inner = null) : PtqException(message, inner);

/// <summary>A tensor's external data cannot be read: missing file, bad offset/length, or a location outside the model folder.</summary>
internal sealed class ExternalDataException(string message, Exception? inner = null) : PtqException(message, inner);

/// <summary>A tensor uses an element type the ONNX IR does not define, or one this operation cannot handle.</summary>
internal sealed class UnsupportedDataTypeException : PtqException
{
    /// <summary>Creates the error for tensor <paramref name="tensorName"/> of type value <paramref name="dataType"/>.</summary>
    public UnsupportedDataTypeException(string tensorName, int dataType, string? context = null)
        : base($"tensor '{tensorName}' has data type {OnnxDataType.Name(dataType)}"
               + (context is null ? ", which ONNX does not define (valid values are 1-24)" : $", which {context}")) { }

    /// <summary>Re-raises <paramref name="inner"/> with a message that adds context (such as the model file).</summary>
    internal UnsupportedDataTypeException(string message, UnsupportedDataTypeException inner) : base(message, inner) { }
}

/// <summary>A tensor's stored contents disagree with its dims and type (wrong byte or element count).</summary>
internal sealed class TensorDataException(string message) : PtqException(message);

/// <summary>Writing a model or its data file failed (folder not writable, target is a folder, disk full); nothing was left behind.</summary>
internal sealed class ModelWriteException(string message, Exception? inner = null) : PtqException(message, inner);
