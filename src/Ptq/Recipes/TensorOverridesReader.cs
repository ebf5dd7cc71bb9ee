using System.Text.Json;
using Ptq.Pipeline;

namespace Ptq.Recipes;

/// <summary>
/// Reads ONNX Runtime's TensorQuantOverrides written as JSON: <c>{"tensor": [{"scale": 0.02, "zero_point": 128}],
/// "other": [{"rmin": 0, "rmax": 6}]}</c>, one entry per activation (a number or a one-element list per value).
/// Keys Ptq does not apply per tensor (quant_type, symmetric, reduce_range, axis, convert, per-channel lists) are
/// refused with the option that does the job instead, never ignored.
/// </summary>
internal static class TensorOverridesReader
{
    /// <exception cref="RecipeException">Unreadable file, not JSON, a wrong shape or key, or an incomplete pair; names the file and tensor.</exception>
    public static Dictionary<string, TensorOverride> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"cannot be read: {e.Message}", e);
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Error(path, "expected an object of tensor names, e.g. {\"conv1_out\": [{\"rmin\": 0, \"rmax\": 6}]}");
            var result = new Dictionary<string, TensorOverride>(StringComparer.Ordinal);
            foreach (var tensor in document.RootElement.EnumerateObject())
                result[tensor.Name] = Entry(path, tensor.Name, tensor.Value);
            return result;
        }
        catch (JsonException e)
        {
            throw Error(path, $"is not valid JSON: {e.Message}", e);
        }
    }

    private static TensorOverride Entry(string path, string tensor, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            if (value.GetArrayLength() != 1)
                throw Error(path, $"'{tensor}': {value.GetArrayLength()} entries (per-channel overrides); Ptq overrides activations, one scale and zero point or one range per tensor");
            value = value[0];
        }
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(path, $"'{tensor}': expected an object such as {{\"scale\": 0.02, \"zero_point\": 128}} or {{\"rmin\": 0, \"rmax\": 6}}");
        float? scale = null, rmin = null, rmax = null;
        int? zeroPoint = null;
        foreach (var p in value.EnumerateObject())
        {
            switch (p.Name)
            {
                case "scale": scale = (float)Number(path, tensor, p); break;
                case "zero_point": zeroPoint = checked((int)Number(path, tensor, p)); break;
                case "rmin": rmin = (float)Number(path, tensor, p); break;
                case "rmax": rmax = (float)Number(path, tensor, p); break;
                case "quant_type" or "symmetric" or "reduce_range":
                    throw Error(path, $"'{tensor}': '{p.Name}' per tensor is not supported; set it per node with 'overrides' (act-bits, act-mode) or for all with --act-bits/--act-mode");
                default:
                    throw Error(path, $"'{tensor}': unknown or unsupported key '{p.Name}'; Ptq reads scale + zero_point, or rmin + rmax");
            }
        }
        if ((scale is null) != (zeroPoint is null))
            throw Error(path, $"'{tensor}': give scale and zero_point together");
        if ((rmin is null) != (rmax is null))
            throw Error(path, $"'{tensor}': give rmin and rmax together");
        if (scale is null == rmin is null)
            throw Error(path, $"'{tensor}': give either scale + zero_point or rmin + rmax");
        if (scale is float s && !(s > 0 && float.IsFinite(s)))
            throw Error(path, $"'{tensor}': scale {s} must be positive and finite");
        if (rmin is float lo && rmax is float hi && !(lo <= hi && float.IsFinite(lo) && float.IsFinite(hi)))
            throw Error(path, $"'{tensor}': rmin {lo} must be finite and at most rmax {hi}");
        return new TensorOverride(scale, zeroPoint, rmin, rmax);
    }

    private static double Number(string path, string tensor, JsonProperty p)
    {
        var v = p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 1 ? p.Value[0] : p.Value;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Error(path, $"'{tensor}': '{p.Name}' must be a number");
    }

    private static RecipeException Error(string path, string problem, Exception? inner = null) =>
        new(RecipeOptions.TensorOverrides, $"{RecipeOptions.TensorOverrides} {path}: {problem}.", inner);
}
