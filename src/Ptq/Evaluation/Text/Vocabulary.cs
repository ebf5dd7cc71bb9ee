using System.Text.Json;
using Ptq.IO;

namespace Ptq.Evaluation.Text;

/// <summary>
/// A language model's vocabulary file: JSON with <c>vocab</c>, the token strings in id order, and optionally
/// <c>context</c>, the window length the model was trained on. Text is tokenized by greedy longest match over the
/// token strings (a character vocabulary maps each character to its id); text no token matches becomes the unknown
/// token, the entry written <c>&lt;unk&gt;</c>. Entries in angle brackets are special and never match text.
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly int _longest;

    private Vocabulary(IReadOnlyList<string> tokens, int? context, string path)
    {
        Tokens = tokens;
        Context = context;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++)
        {
            string token = tokens[id];
            if (token == UnknownToken)
                UnknownId = id;
            else if (!IsSpecial(token) && token.Length > 0 && !_ids.TryAdd(token, id))
                throw new EvaluationException($"vocabulary '{path}': token '{token}' appears twice (ids {_ids[token]} and {id}); each token string needs one id");
        }
        _longest = _ids.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max();
        if (_longest == 0)
            throw new EvaluationException($"vocabulary '{path}': 'vocab' lists no token that can match text");
    }

    /// <summary>The spelling of the unknown token.</summary>
    public const string UnknownToken = "<unk>";

    /// <summary>The token strings in id order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The context length the file states, or null.</summary>
    public int? Context { get; }

    /// <summary>The id of <see cref="UnknownToken"/>, or null when the vocabulary has none (then unmatched text is an error).</summary>
    public int? UnknownId { get; }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="EvaluationException"/> naming the file for anything malformed.</summary>
    public static Vocabulary Load(string path)
    {
        string json = InputFiles.ReadAllText(path, ResourceLimits.MaxConfigFileBytes, (problem, inner) => new EvaluationException($"vocabulary: {problem}", inner));
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = ResourceLimits.MaxNestingDepth });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Array)
                throw new EvaluationException($"vocabulary '{path}': expected a JSON object with 'vocab', the token strings in id order");
            var tokens = new List<string>(vocab.GetArrayLength());
            foreach (var item in vocab.EnumerateArray())
                tokens.Add(item.ValueKind == JsonValueKind.String ? item.GetString()!
                    : throw new EvaluationException($"vocabulary '{path}': 'vocab' entry {tokens.Count} is {item.ValueKind}, not a string"));
            int? context = null;
            if (root.TryGetProperty("context", out var c))
                context = c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int n) && n > 0 ? n
                    : throw new EvaluationException($"vocabulary '{path}': 'context' must be a positive integer, got {c.GetRawText()}");
            return new Vocabulary(tokens, context, path);
        }
        catch (JsonException e)
        {
            throw new EvaluationException($"vocabulary '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The token ids of <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    public int[] Tokenize(string text, string source)
    {
        var ids = new List<int>(text.Length);
        var lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        int i = 0;
        while (i < text.Length)
        {
            int length = Math.Min(_longest, text.Length - i);
            for (; length > 0; length--)
            {
                if (lookup.TryGetValue(text.AsSpan(i, length), out int id))
                {
                    ids.Add(id);
                    break;
                }
            }
            if (length > 0)
            {
                i += length;
                continue;
            }
            ids.Add(UnknownId ?? throw new EvaluationException($"'{source}': character {i} ('{text[i]}') matches no token of the vocabulary, which has no '{UnknownToken}' entry"));
            i++;
        }
        return [.. ids];
    }

    private static bool IsSpecial(string token) => token.Length > 2 && token[0] == '<' && token[^1] == '>';
}
