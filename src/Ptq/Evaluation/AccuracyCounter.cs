namespace Ptq.Evaluation;

/// <summary>Counts top-1 and top-5 hits of class-score vectors against labels.</summary>
internal sealed class AccuracyCounter
{
    private int _labelled, _top1, _top5;

    /// <summary>Scores one sample. The caller has checked that <paramref name="label"/> is a valid class index.</summary>
    public void Add(ReadOnlySpan<float> scores, int label)
    {
        _labelled++;
        if (TopK.Argmax(scores) == label) _top1++;
        if (TopK.Contains(scores, label, 5)) _top5++;
    }

    public AccuracyResult ToResult() => new(_labelled, _top1, _top5);
}
