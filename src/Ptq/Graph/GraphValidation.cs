using System.Runtime.CompilerServices;
using Ptq.Onnx;

namespace Ptq.Graph;

/// <summary>Registers the IR's well-formedness check with <see cref="ModelValidator"/> when the assembly loads.</summary>
internal static class GraphValidation
{
    // A module initializer is the point: the lower layer must have the check before any model is loaded, and nothing
    // in it may name this one.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => ModelValidator.StructureCheck = model => OnnxGraph.FromModel(model, promoteConstants: false);
}
