using System.Collections;
using Ptq.Data;
using Ptq.IO;

namespace Ptq.Evaluation.Text;

/// <summary>
/// A text file cut into a language model's samples (<c>ptq eval --data FILE.txt --vocab VOCAB.json</c>): the text is
/// tokenized as the vocabulary file says (<see cref="Vocabulary"/>) and cut into consecutive, non-overlapping windows of
/// the context length; window w feeds tokens [wC, (w+1)C) and its targets are the tokens one further, [wC+1, (w+1)C+1),
/// so every position is scored, the last one on the first token of the next window (none after the end of the text).
/// Only whole windows are used. This is the usual character-LM evaluation: char-gpt's 3.21 on its test text.
/// </summary>
internal sealed class TextWindowSource : ICalibrationSource, ISequenceTargets
{
    private readonly int[] _tokens;
    private readonly ModelInputInfo _input;
    private readonly int[] _dims;
    private readonly string _name;

    private TextWindowSource(int[] tokens, int context, ModelInputInfo input, int[] dims, int? limit, string name)
    {
        _tokens = tokens;
        Context = context;
        _input = input;
        _dims = dims;
        _name = name;
        Count = Math.Min(tokens.Length / context, limit ?? int.MaxValue);
        Inputs = [input];
    }

    /// <summary>Tokens per window.</summary>
    public int Context { get; }

    /// <summary>Tokens in the whole text.</summary>
    public int TokenCount => _tokens.Length;

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public int SkippedFiles => 0;

    /// <inheritdoc/>
    public IReadOnlyList<ModelInputInfo> Inputs { get; }

    /// <inheritdoc/>
    public string Description => $"next tokens of '{_name}'";

    /// <summary>
    /// Tokenizes <paramref name="textPath"/> (UTF-8) with the vocabulary file <paramref name="vocabularyPath"/> for the
    /// model's one input in <paramref name="inputs"/>, which must hold int64 or int32 token ids shaped [C] or [1, C] (a
    /// dynamic leading dimension is fed 1). The window length C is the input's static last dimension, else the
    /// vocabulary's <c>context</c>; when both exist they must agree. <paramref name="limit"/> takes the first windows only.
    /// </summary>
    /// <exception cref="EvaluationException">A malformed vocabulary, a model input that is not one sequence of token ids,
    /// no context length, a text shorter than one window, or text the vocabulary cannot tokenize.</exception>
    /// <exception cref="DataSourceException">When the text file cannot be read.</exception>
    public static TextWindowSource Open(string textPath, string vocabularyPath, IReadOnlyList<ModelInputInfo> inputs, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(textPath);
        ArgumentNullException.ThrowIfNull(vocabularyPath);
        ArgumentNullException.ThrowIfNull(inputs);
        if (limit is <= 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The window limit must be positive.");
        var vocabulary = Vocabulary.Load(vocabularyPath);
        if (inputs is not [var input])
            throw new EvaluationException($"--vocab feeds one input of token ids, but the model has {inputs.Count}: {string.Join(", ", inputs.Select(i => i.Name))}");
        if (input.ElementType is not (InputElementType.Int64 or InputElementType.Int32))
            throw new EvaluationException($"--vocab: input '{input.Name}' is {input.ElementType}; token ids are int64 or int32");
        if (input.Rank is not (1 or 2) || (input.Rank == 2 && !input.IsDynamic(0) && input.Shape[0] != 1))
            throw new EvaluationException($"--vocab: input '{input.Name}' has shape {input.ShapeText}; a window of token ids is [C] or [1,C]");
        int? modelContext = input.IsDynamic(input.Rank - 1) ? null : (int)input.Shape[^1]!.Value;
        if (modelContext is { } m && vocabulary.Context is { } v && m != v)
            throw new EvaluationException($"--vocab: '{vocabularyPath}' says context {v} but input '{input.Name}' takes {m} tokens ({input.ShapeText})");
        int context = modelContext ?? vocabulary.Context
            ?? throw new EvaluationException($"--vocab: input '{input.Name}' has a dynamic length ({input.ShapeText}) and '{vocabularyPath}' gives no 'context'; add \"context\": N to it");

        var problem = InputFiles.Problem(textPath, ResourceLimits.MaxTextFileBytes);
        if (problem is not null)
            throw new DataSourceException($"Cannot read text: {problem}.");
        string text;
        try { text = File.ReadAllText(textPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"Cannot read '{textPath}': {e.Message}", e);
        }
        int[] tokens = vocabulary.Tokenize(text, textPath);
        if (tokens.Length < context)
            throw new EvaluationException($"'{textPath}' holds {tokens.Length} tokens, fewer than one window of {context}");
        int[] dims = input.Rank == 1 ? [context] : [1, context];
        return new TextWindowSource(tokens, context, input, dims, limit, Path.GetFileName(textPath));
    }

    /// <inheritdoc/>
    public IEnumerator<CalibrationSample> GetEnumerator()
    {
        for (int w = 0; w < Count; w++)
            yield return Window(w);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public IEnumerable<CalibrationSample> Spread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = Math.Min(count, Count);
        for (int j = 0; j < n; j++)
            yield return Window((int)((long)j * Count / n));
    }

    /// <inheritdoc/>
    public long[] TargetsOf(CalibrationSample sample, int sampleIndex)
    {
        if (sampleIndex < 0 || sampleIndex >= Count)
            throw new EvaluationException($"'{_name}' has {Count} windows; there is no window {sampleIndex}");
        var targets = new long[Context];
        int start = sampleIndex * Context + 1;
        for (int t = 0; t < Context; t++)
            targets[t] = start + t < _tokens.Length ? _tokens[start + t] : -1;
        return targets;
    }

    private CalibrationSample Window(int w)
    {
        var ids = _tokens.AsSpan(w * Context, Context);
        Array data = _input.ElementType == InputElementType.Int64 ? ids.ToArray().Select(i => (long)i).ToArray() : ids.ToArray();
        var tensor = new InputTensor(_input.Name, _input.ElementType, _dims, data);
        return new CalibrationSample(new Dictionary<string, InputTensor>(StringComparer.Ordinal) { [_input.Name] = tensor }, $"{_name}[{w}]");
    }
}
