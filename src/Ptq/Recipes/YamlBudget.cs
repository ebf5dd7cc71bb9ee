using SharpYaml;
using SharpYaml.Events;

namespace Ptq.Recipes;

/// <summary>
/// Checks a YAML text against <see cref="ResourceLimits"/> from the parser's event stream, before any document model
/// is built: nesting depth, alias count, and the node count after aliases are expanded. An alias bomb ("billion
/// laughs": each level aliasing the previous one ten times) is a kilobyte of text that expands to billions of nodes;
/// counting the expansion from anchor sizes refuses it in time proportional to the text.
/// </summary>
internal static class YamlBudget
{
    /// <summary>The first limit <paramref name="yaml"/> passes, with its line, or null when it keeps within all of them.</summary>
    /// <exception cref="YamlException">When the text is not YAML (callers report it as they report other syntax errors).</exception>
    public static string? Problem(string yaml)
    {
        var parser = Parser.CreateParser(new StringReader(yaml));
        var anchorSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long Size)>();
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
                    open.Push((((NodeEvent)ev).Anchor, 1));
                    continue;
                case SequenceEnd or MappingEnd:
                    (string? anchor, size) = open.Pop();
                    if (anchor is not null)
                        anchorSizes[anchor] = size;
                    break;
                case Scalar scalar:
                    size = 1;
                    if (scalar.Anchor is not null)
                        anchorSizes[scalar.Anchor] = 1;
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
            if (open.Count > 0)
            {
                var (parentAnchor, parentSize) = open.Pop();
                parentSize += size;
                open.Push((parentAnchor, parentSize));
                size = parentSize;
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
}
