using Google.Protobuf;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Tests.Onnx.Fuzz;

/// <summary>
/// Semantic damage that random bytes rarely reach: one tensor gets absurd dims, an undefined data type, external-data
/// entries pointing anywhere, or a node loses/gains wiring. Seeded and reproducible like <see cref="ByteMutator"/>.
/// </summary>
internal static class ProtoMutator
{
    private static readonly long[] WildDims = [-1, 0, long.MaxValue, long.MinValue, 1L << 31, 1L << 40, 1L << 61, int.MaxValue];
    private static readonly string[] WildOffsets = ["0", "-5", "1e9", "9223372036854775807", "18446744073709551615", "", "12abc"];
    private static readonly string[] WildLocations = ["weights.bin", "../../etc/passwd", "/etc/passwd", "", "sub/../x", "\0"];

    public static (byte[] Bytes, string Description) Mutate(ModelProto original, int seed)
    {
        var random = new Random(seed);
        var model = original.Clone();
        var tensors = ModelTensors.All(model).ToList();
        string description;
        switch (random.Next(5))
        {
            case 0 when tensors.Count > 0:
            {
                var t = tensors[random.Next(tensors.Count)];
                long dim = WildDims[random.Next(WildDims.Length)];
                if (t.Dims.Count == 0 || random.Next(4) == 0) t.Dims.Add(dim);
                else t.Dims[random.Next(t.Dims.Count)] = dim;
                description = $"tensor '{t.Name}' dims {TensorData.FormatDims(t)}";
                break;
            }
            case 1 when tensors.Count > 0:
            {
                var t = tensors[random.Next(tensors.Count)];
                t.DataType = random.Next(-2, 40);
                description = $"tensor '{t.Name}' data_type {t.DataType}";
                break;
            }
            case 2 when tensors.Count > 0:
            {
                var t = tensors[random.Next(tensors.Count)];
                t.DataLocation = TensorProto.Types.DataLocation.External;
                t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = WildLocations[random.Next(WildLocations.Length)] });
                t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = WildOffsets[random.Next(WildOffsets.Length)] });
                t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = WildOffsets[random.Next(WildOffsets.Length)] });
                description = $"tensor '{t.Name}' external {t.ExternalData}";
                break;
            }
            case 3 when model.Graph.Node.Count > 0:
            {
                var node = model.Graph.Node[random.Next(model.Graph.Node.Count)];
                var other = model.Graph.Node[random.Next(model.Graph.Node.Count)];
                if (other.Output.Count > 0) node.Input.Add(other.Output[0]); // may create a cycle
                if (random.Next(2) == 0 && node.Output.Count > 0) node.Output[0] = other.Output.FirstOrDefault() ?? "";
                description = $"node '{node.Name}' rewired to read '{other.Output.FirstOrDefault()}'";
                break;
            }
            default:
            {
                var t = tensors.Count > 0 ? tensors[random.Next(tensors.Count)] : null;
                if (t is not null)
                {
                    t.RawData = ByteString.CopyFrom(new byte[random.Next(0, 9)]);
                    t.FloatData.Add(1f);
                }
                description = $"tensor '{t?.Name}' raw_data cut and float_data added";
                break;
            }
        }
        return (model.ToByteArray(), description);
    }
}
