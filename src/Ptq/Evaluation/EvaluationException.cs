namespace Ptq.Evaluation;

/// <summary>The models, outputs or labels cannot be evaluated together (unknown output, shapes that differ, a label out of range).</summary>
internal sealed class EvaluationException(string message, Exception? inner = null) : PtqException(message, inner);
