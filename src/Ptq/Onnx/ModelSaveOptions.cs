namespace Ptq.Onnx;

/// <summary>When <see cref="ModelIO.Save(OnnxModel, string, ModelSaveOptions?)"/> writes initializer data to a separate file.</summary>
public enum ExternalDataMode
{
    /// <summary>
    /// When the model would exceed what one protobuf file holds (see <see cref="ModelSaveOptions.AutoExternalThresholdBytes"/>),
    /// or when it is the quantization of a model of 2 GiB or more, whose tensors were written to disk as they were made.
    /// </summary>
    Auto,
    /// <summary>Everything inline; saving fails clearly if that cannot fit in a protobuf file.</summary>
    Never,
    /// <summary>Every initializer of at least <see cref="ModelSaveOptions.ExternalMinBytes"/> goes to the data file.</summary>
    Always,
}

/// <summary>Options for <see cref="ModelIO.Save(OnnxModel, string, ModelSaveOptions?)"/>.</summary>
public sealed record ModelSaveOptions
{
    /// <summary>When to write initializers externally. Default <see cref="ExternalDataMode.Auto"/>.</summary>
    public ExternalDataMode ExternalData { get; init; } = ExternalDataMode.Auto;

    /// <summary>Data file name, relative to the model's folder. Default: the model file name + ".data".</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>Initializers smaller than this stay inline even when writing externally. Default 1024 bytes.</summary>
    public long ExternalMinBytes { get; init; } = 1024;

    /// <summary>
    /// In <see cref="ExternalDataMode.Auto"/>, the tensor byte total above which data goes external. Default 1.8 GiB,
    /// safely below protobuf's 2 GiB message limit.
    /// </summary>
    public long AutoExternalThresholdBytes { get; init; } = 1_800L * 1024 * 1024;

    /// <summary>Defaults.</summary>
    public static ModelSaveOptions Default { get; } = new();
}
