namespace Ptq.Recipes;

/// <summary>What gets quantized (<c>--mode</c>).</summary>
public enum QuantizationMode
{
    /// <summary><c>full</c>: weights and activations, integer compute (static QDQ).</summary>
    Full,
    /// <summary><c>weight-only</c>: k-bit weights, float compute (MindSpore WEIGHT_QUANT, Bolt -q INT8 storage).</summary>
    WeightOnly,
    /// <summary><c>dynamic</c>: weights offline, activation ranges computed at run time (ORT quantize_dynamic, Distiller --qe-dynamic).</summary>
    Dynamic,
    /// <summary><c>fp16</c>: weights and compute in 16-bit floats.</summary>
    Fp16,
}

/// <summary>How many scales a tensor gets (<c>--granularity</c>).</summary>
public enum Granularity
{
    /// <summary><c>per-channel</c>: one scale per output channel of each weight; activations per tensor (ONNX Runtime has no per-channel activation kernels).</summary>
    PerChannel,
    /// <summary><c>per-tensor</c>: one scale per weight tensor and per activation tensor.</summary>
    PerTensor,
    /// <summary><c>mix</c> (TNN's name): weights per channel, activations per tensor; in Ptq the same quantization as <see cref="PerChannel"/>.</summary>
    Mix,
}

/// <summary>How the quantized model is written (<c>--format</c>).</summary>
public enum OutputFormat
{
    /// <summary><c>qdq</c>: float operators between QuantizeLinear/DequantizeLinear pairs; ONNX Runtime fuses them into integer kernels.</summary>
    Qdq,
    /// <summary><c>qoperator</c>: integer operators (QLinearConv, QLinearMatMul, QGemm, …) as ONNX Runtime's quantizer writes with QuantFormat.QOperator.</summary>
    QOperator,
}
