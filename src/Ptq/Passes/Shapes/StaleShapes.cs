using Ptq.Graph;
using Ptq.Onnx.Proto;

namespace Ptq.Passes.Shapes;

/// <summary>Finds declared shapes that contradict <see cref="ShapeInference"/> and corrects them.</summary>
internal static class StaleShapes
{
    /// <summary>Every stale declaration in <paramref name="graph"/> and its subgraphs (graph inputs are declarations, never stale).</summary>
    public static IReadOnlyList<StaleShape> Find(OnnxGraph graph, InferredShapes shapes) => Visit(graph, shapes, correct: false);

    /// <summary>
    /// Corrects every stale declaration: a contradicted size becomes the inferred size, the input's dim_param it
    /// follows, or is left open; a contradicted rank takes the inferred shape. The graph's value-info messages are
    /// replaced, not edited, so a model sharing them is untouched. Returns what was corrected.
    /// </summary>
    public static IReadOnlyList<StaleShape> Correct(OnnxGraph graph, InferredShapes shapes) => Visit(graph, shapes, correct: true);

    private static List<StaleShape> Visit(OnnxGraph graph, InferredShapes shapes, bool correct)
    {
        var stale = new List<StaleShape>();
        foreach (var g in graph.Subgraphs().Prepend(graph))
        {
            if (shapes.For(g) is not { } table)
                continue;
            foreach (var list in new[] { g.ValueInfos, g.Outputs })
            {
                for (int i = 0; i < list.Count; i++)
                {
                    var info = list[i];
                    if (info.Type?.TensorType?.Shape is not { } declared || table.Shape(info.Name) is not { } inferred
                        || g.Inputs.Exists(input => input.Name == info.Name) || !Contradicts(declared, inferred))
                        continue;
                    stale.Add(new StaleShape(info.Name, Format(declared), Dim.Format(inferred)));
                    if (correct)
                        list[i] = Corrected(info, inferred);
                }
            }
        }
        return stale;
    }

    private static bool Contradicts(TensorShapeProto declared, Dim[] inferred) =>
        declared.Dim.Count != inferred.Length ||
        declared.Dim.Select((d, i) => d.HasDimValue && (inferred[i].Value is long v ? v != d.DimValue : inferred[i].Symbol is not null)).Any(c => c);

    private static ValueInfoProto Corrected(ValueInfoProto info, Dim[] inferred)
    {
        var copy = info.Clone();
        var declared = copy.Type.TensorType.Shape;
        bool rankChanged = declared.Dim.Count != inferred.Length;
        if (rankChanged)
        {
            declared.Dim.Clear();
            declared.Dim.AddRange(inferred.Select(_ => new TensorShapeProto.Types.Dimension()));
        }
        for (int i = 0; i < inferred.Length; i++)
        {
            var dim = declared.Dim[i];
            if (!rankChanged && (!dim.HasDimValue || inferred[i].Is(dim.DimValue)))
                continue; // only contradicted sizes change
            declared.Dim[i] = inferred[i] switch
            {
                { Value: long v } => new TensorShapeProto.Types.Dimension { DimValue = v },
                { Symbol: { } s, IsAnonymous: false } => new TensorShapeProto.Types.Dimension { DimParam = s },
                _ => new TensorShapeProto.Types.Dimension(),
            };
        }
        return copy;
    }

    private static string Format(TensorShapeProto shape) =>
        "[" + string.Join(",", shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : d.HasDimParam && d.DimParam.Length > 0 ? d.DimParam : "?")) + "]";
}
