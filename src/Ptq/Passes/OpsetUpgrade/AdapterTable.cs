using Ptq.Passes.OpsetUpgrade.Adapters;

namespace Ptq.Passes.OpsetUpgrade;

/// <summary>
/// Which adapter converts each default-domain op. "Unchanged since N" entries record, per op, the oldest version whose
/// meaning is the same in every later version up to <see cref="OpsetUpgrader.MaxTargetOpset"/>: the later versions
/// (checked against the ONNX operator changelog) only add element types, accept negative axes, or add attributes and
/// optional inputs whose defaults keep the old behaviour. Ops missing here are refused, never guessed.
/// </summary>
internal static class AdapterTable
{
    private static readonly IOpAdapter[] Adapters =
    [
        // Unary math; version 1 had the legacy consumed_inputs attribute, 6 is the first clean definition.
        new UnchangedOp(6, "Abs", "Neg", "Floor", "Ceil", "Sqrt", "Exp", "Log", "Reciprocal", "Relu", "Sigmoid", "Tanh",
            "LeakyRelu", "Elu", "Selu", "HardSigmoid", "InstanceNormalization", "Tile", "Cast"),
        // Variadic ops: 6 requires equal shapes, 8 broadcasts — equal shapes broadcast to themselves.
        new UnchangedOp(6, "Max", "Min", "Sum", "Mean"),
        new UnchangedOp(7, "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "LSTM", "GRU", "RNN", "Multinomial"),
        // AveragePool-7 added count_include_pad whose default (0) is the version-1 behaviour.
        new UnchangedOp(1, "AveragePool", "MatMul", "Conv", "ConvTranspose", "MaxPool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Transpose",
            "Gather", "Identity", "Shape", "Size", "Not", "Softsign", "Softplus", "LRN", "DepthToSpace", "SpaceToDepth", "ArgMax",
            "ArgMin", "Constant", "If", "Loop", "LpNormalization", "MaxRoiPool", "RandomNormal", "RandomUniform",
            "RandomNormalLike", "RandomUniformLike"),
        new UnchangedOp(2, "GlobalLpPool", "LpPool"),
        new UnchangedOp(4, "Concat"),
        new UnchangedOp(5, "Reshape"),
        new UnchangedOp(8, "Expand"),
        // Scan-8 had a batch axis and sequence_lens; 9 is the current form.
        new UnchangedOp(9, "Erf", "Sign", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "IsNaN", "Where", "NonZero", "ConstantOfShape",
            "Compress", "OneHot", "EyeLike", "Shrink", "MaxUnpool", "Scan", "TfIdfVectorizer"),
        // ThresholdedRelu was experimental before 10 with the same alpha (default 1) and meaning.
        new UnchangedOp(1, "ThresholdedRelu"),
        new UnchangedOp(10, "IsInf", "Mod", "QuantizeLinear", "DequantizeLinear", "MatMulInteger", "ConvInteger",
            "QLinearConv", "QLinearMatMul", "NonMaxSuppression", "ReverseSequence", "StringNormalizer"),
        new UnchangedOp(11, "Range", "Round", "BitShift", "Det", "CumSum", "Unique", "GatherElements", "GatherND", "ScatterElements",
            "ScatterND", "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert", "SequenceLength",
            "ConcatFromSequence", "SplitToSequence", "DynamicQuantizeLinear"),
        new UnchangedOp(12, "Einsum", "Celu", "GreaterOrEqual", "LessOrEqual"),
        // Ops born after 13 only matter for models already past 13 that are raised further.
        new UnchangedOp(14, "HardSwish", "Trilu"),
        new UnchangedOp(15, "CastLike", "Bernoulli", "Optional", "OptionalHasElement", "OptionalGetElement"),
        new UnchangedOp(17, "LayerNormalization"),
        new UnchangedOp(18, "Mish", "Col2Im", "CenterCropPad", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot"),
        new UnchangedOp(20, "Gelu"),

        new LegacyBroadcastAdapter(),
        new PReluAdapter(),
        new LegacyAttributeAdapter(1, 7, ["broadcast"], "Gemm"),
        new SoftmaxAdapter(),
        new ClipAdapter(),
        new AxesToInputAdapter(13, "Squeeze", "Unsqueeze", "ReduceSum"),
        new AxesToInputAdapter(18, "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
            "ReduceLogSumExp", "ReduceSumSquare"),
        new SplitAdapter(),
        new PadAdapter(),
        new SliceAdapter(),
        new TopKAdapter(),
        new DropoutAdapter(),
        new BatchNormalizationAdapter(),
        new UpsampleAdapter(),
        new ResizeAdapter(),
        new RenamedOpAdapter(9, "Scatter", 11, "ScatterElements"),
        new RoiAlignAdapter(),

        // Experimental ops removed at opset 10, rewritten as the standard ops they compose.
        new ScaleShiftAdapter(),
        new CropAdapter(),
        new ScaledActivationAdapter(),
        new FillAdapter(),
        new MeanVarianceNormalizationAdapter(),
        new RenamedOpAdapter(1, "DynamicSlice", 10, "Slice"),
    ];

    private static readonly Dictionary<string, IOpAdapter> ByOpType = Index();

    /// <summary>The adapter for default-domain op <paramref name="opType"/>, or null when the op is not covered.</summary>
    public static IOpAdapter? Find(string opType) => ByOpType.GetValueOrDefault(opType);

    private static Dictionary<string, IOpAdapter> Index()
    {
        var index = new Dictionary<string, IOpAdapter>(StringComparer.Ordinal);
        foreach (var adapter in Adapters)
            foreach (string opType in adapter.OpTypes)
                if (!index.TryAdd(opType, adapter))
                    throw new InvalidOperationException($"op '{opType}' has two opset adapters");
        return index;
    }
}
