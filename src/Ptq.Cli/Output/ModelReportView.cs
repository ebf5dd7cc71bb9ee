using System.Globalization;
using Ptq.Inspection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ptq.Cli.Output;

/// <summary>Renders a <see cref="ModelReport"/> as Spectre tables for people.</summary>
internal static class ModelReportView
{
    public static void Write(IAnsiConsole console, ModelReport report)
    {
        console.Write(Summary(report));
        console.Write(Signature(report));
        console.Write(Operators(report));
        console.Write(Parameters(report));
        if (report.Subgraphs.Count > 0)
            console.Write(Subgraphs(report));
        foreach (var warning in report.Warnings)
            console.Write(new Text($"warning: {warning.Message}\n"));
    }

    private static Table Summary(ModelReport report)
    {
        var table = NewTable(report.Source, "Property", "Value");
        string opsets = string.Join(", ", report.OpsetImports.Select(kv => $"{kv.Key} {kv.Value}"));
        string producer = $"{report.ProducerName} {report.ProducerVersion}".Trim();
        AddRow(table, "IR version", N(report.IrVersion));
        AddRow(table, "opsets", opsets);
        AddRow(table, "producer", producer.Length == 0 ? "(not recorded)" : producer);
        AddRow(table, "nodes", $"{N(report.Nodes.Total)} ({N(report.Nodes.Quantizable)} quantizable, {N(report.Nodes.NotQuantizable)} not, {N(report.Nodes.ConstantWeights)} Constant weights)");
        AddRow(table, "parameters", $"{N(report.ParameterCount)} ({Bytes(report.ParameterBytes)})");
        AddRow(table, "subgraphs", N(report.SubgraphCount));
        return table;
    }

    private static Table Signature(ModelReport report)
    {
        var table = NewTable("Inputs and outputs", "Kind", "Name", "Type", "Shape");
        foreach (var input in report.Inputs)
            AddRow(table, "input", input.Name, input.ElementType, input.ShapeText);
        foreach (var output in report.Outputs)
            AddRow(table, "output", output.Name, output.ElementType, output.ShapeText);
        return table;
    }

    private static Table Operators(ModelReport report)
    {
        var table = NewTable("Operators", "Op", "Main graph", "Subgraphs", "Quantizable");
        RightAlign(table, 1, 2);
        foreach (var op in report.Operators)
            AddRow(table, op.OpType, N(op.MainGraph), N(op.InSubgraphs), op.Quantizable ? "yes" : "no");
        return table;
    }

    private static Table Parameters(ModelReport report)
    {
        var table = NewTable("Parameters", "Stored as", "Type", "Tensors", "Elements", "Bytes");
        RightAlign(table, 2, 3, 4);
        foreach (var (storage, totals) in new[] { ("initializers", report.Initializers), ("Constant nodes", report.ConstantWeights) })
            foreach (var t in totals.ByDataType)
                AddRow(table, storage, t.DataType, N(t.Tensors), N(t.Elements), N(t.Bytes));
        AddRow(table, "total", "", N(report.Initializers.Tensors + report.ConstantWeights.Tensors), N(report.ParameterCount), N(report.ParameterBytes));
        return table;
    }

    private static Table Subgraphs(ModelReport report)
    {
        var topLevel = report.Subgraphs.Where(s => s.Depth == 1).ToList();
        int nested = report.SubgraphCount - topLevel.Count;
        var table = NewTable($"Subgraphs ({N(report.SubgraphCount)})", "Owner", "Attribute", "Nodes", "Operators");
        RightAlign(table, 2);
        foreach (var s in topLevel)
            AddRow(table, $"{s.OwnerOpType} '{s.OwnerNode}'", s.Attribute, N(s.NodeCount),
                string.Join(", ", s.Operators.Select(kv => $"{kv.Key} {kv.Value}")));
        if (nested > 0)
            table.Caption = new TableTitle($"{N(nested)} more nested inside these (ptq inspect --json lists them all)");
        return table;
    }

    private static Table NewTable(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)), Border = TableBorder.Rounded };
        foreach (string column in columns)
            table.AddColumn(new TableColumn(new Text(column)));
        return table;
    }

    private static void AddRow(Table table, params string[] cells) =>
        table.AddRow(cells.Select(c => (IRenderable)new Text(c)));

    private static void RightAlign(Table table, params int[] columns)
    {
        foreach (int c in columns)
            table.Columns[c].RightAligned();
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.00", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
