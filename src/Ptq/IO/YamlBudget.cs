using SharpYaml;
using SharpYaml.Events;

namespace Ptq.IO;

/// <summary>
/// Checks a YAML text against <see cref="ResourceLimits"/> from the parser's event stream, before any document model
/// is built: nesting depth, alias count, and the node count after aliases are expanded. An alias bomb ("billion
/// laughs": each level aliasing the previous one ten times) is a kilobyte of text that expands to billions of nodes;
/// counting the expansion from anchor sizes refuses it in time proportional to the text. A key written twice in one
/// mapping is refused here too: YAML forbids it, and parsers that keep the last copy would silently drop the first.
/// </summary>
internal static class YamlBudget
{
    /// <summary>The first limit <paramref name="yaml"/> passes, with its line, or null when it keeps within all of them.</summary>
    /// <exception cref="YamlException">When the text is not YAML (callers report it as they report other syntax errors).</exception>
    public static string? Problem(string yaml)
    {
        var parser = Parser.CreateParser(new StringReader(yaml));
        var anchorSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<Frame>();
        long total = 0;
        int aliases = 0;
        while (parser.MoveNext())
        {
            if (parser.Current is not { } ev)
                continue;
            int line = ev.Start.Line + 1;
            long size;
            switch (ev)
            {
                case SequenceStart or MappingStart:
                    if (open.Count >= ResourceLimits.MaxNestingDepth)
                        return $"line {line}: nesting deeper than {ResourceLimits.MaxNestingDepth} levels";
                    open.Push(new Frame(((NodeEvent)ev).Anchor, ev is MappingStart));
                    continue;
                case SequenceEnd or MappingEnd:
                    var done = open.Pop();
                    size = done.Size;
                    if (done.Anchor is not null)
                        anchorSizes[done.Anchor] = size;
                    break;
                case Scalar scalar:
                    size = 1;
                    if (scalar.Anchor is not null)
                        anchorSizes[scalar.Anchor] = 1;
                    if (open.TryPeek(out var parent) && parent.IsKeyNext && !parent.Keys!.Add(scalar.Value))
                        return $"line {line}: key '{scalar.Value}' appears twice in one mapping";
                    break;
                case AnchorAlias alias:
                    if (++aliases > ResourceLimits.MaxYamlAliases)
                        return $"line {line}: more than {ResourceLimits.MaxYamlAliases} aliases";
                    size = anchorSizes.GetValueOrDefault(alias.Value, 1);
                    break;
                default:
                    continue;
            }
            // Every subtree size is checked as it is added, so none exceeds the limit and the sums cannot overflow.
            if (open.TryPeek(out var owner))
            {
                owner.Size += size;
                owner.Children++;
                size = owner.Size;
            }
            else
            {
                total += size;
                size = total;
            }
            if (size > ResourceLimits.MaxDocumentNodes)
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {line}: more than {ResourceLimits.MaxDocumentNodes:N0} nodes once aliases are expanded (an alias bomb?)");
        }
        return null;
    }

    /// <summary>An open sequence or mapping: its anchor, expanded size so far, and for a mapping the keys seen.</summary>
    private sealed class Frame(string? anchor, bool isMapping)
    {
        public string? Anchor { get; } = anchor;
        public long Size { get; set; } = 1;
        public int Children { get; set; }
        public HashSet<string>? Keys { get; } = isMapping ? new(StringComparer.Ordinal) : null;

        /// <summary>True when the next child of this mapping is a key (children alternate key, value).</summary>
        public bool IsKeyNext => Keys is not null && Children % 2 == 0;
    }
}
