using System.Text;
using Ptq.Recipes;

namespace Ptq.Tests.Docs;

/// <summary>
/// The parts of docs/ generated from the option table (<see cref="RecipeOptions"/>): the recipe reference and the
/// flag-by-flag tables of the migration guides. Each lives in its page between <c>&lt;!-- BEGIN GENERATED: name --&gt;</c>
/// and <c>&lt;!-- END GENERATED --&gt;</c>.
/// </summary>
internal static class DocTables
{
    /// <summary>The generated text called <paramref name="name"/>.</summary>
    public static string Generate(string name) => name switch
    {
        "recipe-keys" => RecipeKeys(),
        "migration-mindspore" => Migration(SeedTool.MindSporeLite, "MindSpore Lite"),
        "migration-bolt" => Migration(SeedTool.Bolt, "Bolt"),
        "migration-tnn" => Migration(SeedTool.Tnn, "TNN"),
        "migration-distiller" => Migration(SeedTool.Distiller, "Distiller"),
        "migration-onnxruntime" => Migration(SeedTool.OnnxRuntime, "ONNX Runtime"),
        "frontend-bolt" => FrontEnd(SeedToolFrontEnd.Bolt, "Bolt"),
        "frontend-tnn" => FrontEnd(SeedToolFrontEnd.Tnn, "TNN"),
        "frontend-distiller" => FrontEnd(SeedToolFrontEnd.Distiller, "Distiller"),
        "frontend-mindspore" => FrontEnd(SeedToolFrontEnd.MindSpore, "MindSpore Lite"),
        "library-example" => LibraryExample(),
        _ => throw new ArgumentException($"no generated text called '{name}'", nameof(name)),
    };

    private static string RecipeKeys()
    {
        var w = new StringBuilder();
        foreach (var group in RecipeOptions.All.GroupBy(o => o.Group))
        {
            w.Append("### ").Append(Heading(group.Key)).Append("\n\n");
            w.Append("| Key | Flag | Value | Default | Meaning |\n|---|---|---|---|---|\n");
            foreach (var o in group)
            {
                string meaning = o.DescriptionIn(OptionSpelling.Keys) + (o.Implemented ? "" : " *Not implemented yet: `ptq quantize` refuses it.*");
                w.Append($"| `{o.Key}` | {(o.HasFlag ? $"`{o.Flag}`" : "recipe only")} | {Value(o)} | {(o.DefaultText is { } d ? $"`{d}`" : "")} | {Cell(meaning)} |\n");
            }
            w.Append('\n');
        }
        return w.ToString();
    }

    private static string Migration(SeedTool tool, string toolName)
    {
        var w = new StringBuilder();
        w.Append($"| {toolName} | Ptq flag | Recipe key | Values |\n|---|---|---|---|\n");
        foreach (var o in RecipeOptions.All)
            foreach (var s in o.Spellings.Where(s => s.Tool == tool))
                w.Append($"| `{Cell(s.Name)}` | {(o.HasFlag ? $"`{o.Flag}`" : "recipe only")} | `{o.Key}` | {Cell(s.Values)} |\n");
        return w.ToString();
    }

    // The flags of a front end the option table does not spell: what Ptq calls them, or why they are refused.
    private static string FrontEnd(SeedToolFrontEnd frontEnd, string toolName)
    {
        var w = new StringBuilder();
        w.Append($"| {toolName} | `ptq {frontEnd.Command}` |\n|---|---|\n");
        foreach (var flag in frontEnd.Flags.Where(f => f.Counterpart is not null || f.Refusal is not null))
        {
            string names = string.Join(", ", flag.Aliases.Prepend(flag.Name).Select(n => $"`{n}`"));
            w.Append($"| {names} | {Cell(flag.Refusal is { } why ? "refused: " + why : flag.Counterpart!)} |\n");
        }
        return w.ToString();
    }

    // The Ptq usings and the marked lines of docs/examples/library/QuantizeWithTheLibrary.cs, de-indented.
    private static string LibraryExample()
    {
        string[] lines = File.ReadAllLines(Path.Combine(DocsTests.Root(), "docs", "examples", "library", "QuantizeWithTheLibrary.cs"));
        var usings = lines.Where(l => l.StartsWith("using Ptq", StringComparison.Ordinal));
        var body = lines.SkipWhile(l => !l.Contains("// README:begin", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.Contains("// README:end", StringComparison.Ordinal)).ToList();
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return "```csharp\n" + string.Join("\n", usings) + "\n\n" + string.Join("\n", body.Select(l => l.Length >= indent ? l[indent..] : l.Trim())) + "\n```\n";
    }

    private static string Heading(OptionGroup group) => group switch
    {
        OptionGroup.Data => "Input and data",
        OptionGroup.Preprocessing => "Preprocessing (image files)",
        OptionGroup.Quantization => "Quantization",
        OptionGroup.Search => "Search and accuracy",
        _ => group.ToString(),
    };

    private static string Value(RecipeOption o) => o.Shape switch
    {
        OptionShape.Switch => "`true` \\| `false`",
        OptionShape.List => $"list of `{o.Placeholder}`",
        _ when o.Values.Count > 0 => string.Join(" \\| ", o.Values.Select(v => $"`{v}`")),
        _ => $"`{Cell(o.Placeholder ?? "")}`",
    };

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
