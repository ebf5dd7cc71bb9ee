namespace Ptq.Graph;

/// <summary>A graph is malformed: a node reads a value nothing produces, values are produced twice, or nodes form a cycle.</summary>
internal sealed class GraphException(string message) : PtqException(message);
