using System.Text.Json;
using System.Text.Json.Serialization;
using Ptq.Evaluation;

namespace Ptq.Cli.Output;

/// <summary>
/// <c>ptq eval --json</c>: the <see cref="EvaluationReport"/> as indented camelCase JSON, derived figures included
/// (<c>top1Percent</c>, <c>agreementPercent</c>, <c>meanCosine</c>, …). Non-finite numbers (an SQNR of +∞ for identical
/// outputs, NaN without samples) are written as the strings <c>"Infinity"</c>, <c>"-Infinity"</c> and <c>"NaN"</c>
/// (<see cref="JsonNumberHandling.AllowNamedFloatingPointLiterals"/>) rather than null, so "identical" stays
/// distinguishable from "not measured"; every other number is a JSON number.
/// </summary>
internal static class EvaluationReportJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize(EvaluationReport report) => JsonSerializer.Serialize(report, Options);
}
