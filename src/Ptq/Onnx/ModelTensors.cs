using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>Enumerates the tensors of a model: initializers and tensor-valued attributes, in every (sub)graph and function.</summary>
internal static class ModelTensors
{
    /// <summary>Every graph of the model: the main graph first, then subgraphs depth-first in node order, then training graphs.</summary>
    public static IEnumerable<GraphProto> Graphs(ModelProto model)
    {
        if (model.Graph is not null)
        {
            foreach (var g in GraphsOf(model.Graph))
                yield return g;
        }
        foreach (var info in model.TrainingInfo)
        {
            if (info.Initialization is not null)
                foreach (var g in GraphsOf(info.Initialization)) yield return g;
            if (info.Algorithm is not null)
                foreach (var g in GraphsOf(info.Algorithm)) yield return g;
        }
    }

    /// <summary><paramref name="graph"/> and its nested subgraphs (If/Loop/Scan bodies), depth-first.</summary>
    public static IEnumerable<GraphProto> GraphsOf(GraphProto graph)
    {
        yield return graph;
        foreach (var node in graph.Node)
            foreach (var sub in SubgraphsOf(node.Attribute))
                foreach (var g in GraphsOf(sub))
                    yield return g;
    }

    /// <summary>Initializers of every graph (not sparse initializers, not attribute tensors).</summary>
    public static IEnumerable<TensorProto> Initializers(ModelProto model) => Graphs(model).SelectMany(g => g.Initializer);

    /// <summary>Every dense tensor in the model: initializers, sparse parts and attribute tensors of graph and function nodes.</summary>
    public static IEnumerable<TensorProto> All(ModelProto model)
    {
        foreach (var graph in Graphs(model))
        {
            foreach (var t in graph.Initializer) yield return t;
            foreach (var s in graph.SparseInitializer)
                foreach (var t in SparseParts(s)) yield return t;
            foreach (var node in graph.Node)
                foreach (var t in AttributeTensors(node.Attribute)) yield return t;
        }
        foreach (var function in model.Functions)
            foreach (var node in function.Node)
                foreach (var t in AttributeTensors(node.Attribute)) yield return t;
    }

    /// <summary>Tensors held directly in attributes (t, tensors, sparse tensors), not inside subgraphs.</summary>
    public static IEnumerable<TensorProto> AttributeTensors(IEnumerable<AttributeProto> attributes)
    {
        foreach (var a in attributes)
        {
            if (a.T is not null) yield return a.T;
            foreach (var t in a.Tensors) yield return t;
            if (a.SparseTensor is not null)
                foreach (var t in SparseParts(a.SparseTensor)) yield return t;
            foreach (var s in a.SparseTensors)
                foreach (var t in SparseParts(s)) yield return t;
        }
    }

    /// <summary>The graphs held in attributes (g, graphs).</summary>
    public static IEnumerable<GraphProto> SubgraphsOf(IEnumerable<AttributeProto> attributes)
    {
        foreach (var a in attributes)
        {
            if (a.G is not null) yield return a.G;
            foreach (var g in a.Graphs) yield return g;
        }
    }

    private static IEnumerable<TensorProto> SparseParts(SparseTensorProto sparse)
    {
        if (sparse.Values is not null) yield return sparse.Values;
        if (sparse.Indices is not null) yield return sparse.Indices;
    }
}
