namespace Ptq.Data;

/// <summary>Options shared by every calibration data source. Immutable; invalid values are rejected when set.</summary>
public sealed record DataSourceOptions
{
    private readonly int? _limit;
    private readonly long _maxImagePixels = ResourceLimits.MaxImagePixels;
    private readonly ImagePreprocessing _preprocessing = ImagePreprocessing.Default;

    /// <summary>Defaults: all samples, file order, no recursion, corrupt files are errors, float32 .bin files.</summary>
    public static DataSourceOptions Default { get; } = new();

    /// <summary>How image files become tensors (ignored for other file kinds).</summary>
    /// <exception cref="ArgumentNullException">When set to null.</exception>
    public ImagePreprocessing Preprocessing
    {
        get => _preprocessing;
        init => _preprocessing = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary><c>--calib-size N</c>: take at most this many samples (after shuffling, if enabled); null takes all.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to zero or a negative number.</exception>
    public int? Limit
    {
        get => _limit;
        init => _limit = value is <= 0 ? throw new ArgumentOutOfRangeException(nameof(value), value, "calib-size must be positive.") : value;
    }

    /// <summary>Shuffle the sorted sample order with <see cref="Seed"/> (Fisher–Yates over <see cref="System.Random"/> seeded, so reproducible).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seed for <see cref="Shuffle"/>.</summary>
    public int Seed { get; init; }

    /// <summary>Also take files from subfolders of a folder SPEC (sorted by relative path with '/' separators).</summary>
    public bool Recursive { get; init; }

    /// <summary>Skip files that raise <see cref="CorruptFileException"/> instead of failing; see <see cref="ICalibrationSource.SkippedFiles"/>.</summary>
    public bool SkipCorrupt { get; init; }

    /// <summary>
    /// Full shapes per input name for raw .bin/.txt files, needed when the model input has dynamic dimensions other than a
    /// leading batch dimension (which defaults to 1). Each must have the model input's rank and agree with its static dimensions.
    /// </summary>
    public IReadOnlyDictionary<string, long[]>? Shapes { get; init; }

    /// <summary>
    /// <c>--max-image-pixels N</c>: images whose header declares more pixels (width × height) are refused before they
    /// are decoded, as <see cref="CorruptFileException"/> (so <see cref="SkipCorrupt"/> skips them). Default
    /// <see cref="ResourceLimits.MaxImagePixels"/>, Pillow's decompression-bomb limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to zero or a negative number.</exception>
    public long MaxImagePixels
    {
        get => _maxImagePixels;
        init => _maxImagePixels = value <= 0 ? throw new ArgumentOutOfRangeException(nameof(value), value, "max-image-pixels must be positive.") : value;
    }

    /// <summary>Read .bin files as the model input's element type instead of little-endian float32.</summary>
    public bool BinUsesModelElementType { get; init; }
}
