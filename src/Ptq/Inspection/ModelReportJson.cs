using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ptq.Inspection;

/// <summary>
/// Writes a <see cref="ModelReport"/> as indented JSON for machines: camelCase property names, enums as camelCase
/// strings, dictionary keys (domains, op types) as they are, derived totals included. Property names are stable;
/// new properties may be added.
/// </summary>
internal static class ModelReportJson
{
    /// <summary>The serializer options used for reports.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The report as a JSON document (no trailing newline).</summary>
    public static string Serialize(ModelReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }
}
