using Ptq.Data;

namespace Ptq.Evaluation.Text;

/// <summary>
/// The next-token targets of a language model's samples: for each position of the model's sequence output, the token
/// id it should predict, or −1 where the sample does not say (the last position of a window cut from token data).
/// <see cref="Evaluator.EvaluateLanguageModel"/>
/// scores the output's logits against them (perplexity, next-token accuracy).
/// </summary>
internal interface ISequenceTargets
{
    /// <summary>Where the targets come from, for reports (e.g. <c>next characters of test.txt</c>).</summary>
    string Description { get; }

    /// <summary>One target id (or −1) per sequence position of <paramref name="sample"/>, the one at enumeration position <paramref name="sampleIndex"/>.</summary>
    /// <exception cref="EvaluationException">When the sample holds no token ids the targets can come from.</exception>
    long[] TargetsOf(CalibrationSample sample, int sampleIndex);
}
