namespace Ptq;

/// <summary>
/// The limits Ptq enforces on input from strangers (models, data, recipes, statistics), in one place. Each is checked
/// before the memory or time it guards is spent, and exceeding one raises a <see cref="PtqException"/> naming the file
/// and the limit. Limits a legitimate user could need to raise are options (named in each summary); the others are
/// far above any real file of their kind. docs/security.md lists them with the tests at and past each limit.
/// </summary>
internal static class ResourceLimits
{
    /// <summary>
    /// Default pixels (width × height) an image header may declare: 178,956,970, the size above which Pillow refuses an
    /// image as a decompression bomb (2 × <c>Image.MAX_IMAGE_PIXELS</c>). Checked from the header before anything is
    /// allocated; raise it with <c>DataSourceOptions.MaxImagePixels</c> (<c>--max-image-pixels</c>).
    /// </summary>
    public const long MaxImagePixels = 178_956_970;

    /// <summary>
    /// Nodes (scalars, sequences, mappings) a recipe or statistics YAML/JSON document may hold after YAML aliases are
    /// expanded: 1,000,000, far above any recipe, so an alias bomb ("billion laughs") is refused before it expands.
    /// </summary>
    public const int MaxDocumentNodes = 1_000_000;

    /// <summary>Aliases (<c>*name</c>) one YAML document may use: 1,000 (a recipe needs none; a handful is common style).</summary>
    public const int MaxYamlAliases = 1_000;

    /// <summary>Nesting depth of sequences and mappings in a YAML or JSON document: 64 (System.Text.Json's default).</summary>
    public const int MaxNestingDepth = 64;

    /// <summary>
    /// Bytes a recipe, MindSpore .cfg, Bolt clip table or Distiller YAML file may have: 64 MiB (real ones are kilobytes),
    /// checked before the file is read into memory.
    /// </summary>
    public const long MaxConfigFileBytes = 64L << 20;

    /// <summary>
    /// Bytes a Ptq statistics JSON file may have: 1 GiB (histograms of every tensor of a large model take megabytes),
    /// checked before the file is read into memory.
    /// </summary>
    public const long MaxStatsFileBytes = 1L << 30;

    /// <summary>
    /// Bytes a text file tokenized for a language model's evaluation (<c>ptq eval --vocab</c>) may have: 256 MiB (test
    /// texts are megabytes; the whole text and its token ids are held in memory), checked before it is read.
    /// </summary>
    public const long MaxTextFileBytes = 256L << 20;

    /// <summary>Bytes a .npy header (the dict literal after the magic) may have: 10,000, numpy's own default limit.</summary>
    public const int MaxNpyHeaderBytes = 10_000;

    /// <summary>
    /// Bytes a model file may have when its weights are read inline: just under 2 GiB, protobuf's hard limit
    /// (<see cref="Onnx.ModelIO.ProtobufLimitBytes"/>); larger models keep their weights as external data.
    /// </summary>
    public const long MaxInlineModelBytes = Onnx.ModelIO.ProtobufLimitBytes;

    /// <summary>
    /// Time one user regular expression (<c>--skip</c>, recipe overrides) may spend matching one node name: 1 s, so a
    /// catastrophically backtracking pattern fails with a clear error instead of running for minutes.
    /// </summary>
    public static readonly TimeSpan RegexMatchTimeout = TimeSpan.FromSeconds(1);
}
