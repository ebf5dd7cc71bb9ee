using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes;

/// <summary>
/// Folds inference-mode BatchNormalization into the Conv or Gemm that feeds it, so the quantized weights already carry
/// the normalisation: per output channel k = γ / sqrt(σ² + ε), W' = W·k, B' = (B − μ)·k + β.
/// A BN is folded only when its input comes from a Conv/Gemm whose output nothing else reads and all BN parameters
/// and the weights are constants; others are left as they are.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>Folds every eligible BN in <paramref name="graph"/> (not subgraphs); returns how many were folded.</summary>
    public static int Apply(OnnxGraph graph, ExternalDataReader? external = null)
    {
        int folded = 0;
        foreach (var bn in graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.IsStandard).ToList())
        {
            // spatial=0 (opsets before 9) normalizes per activation, not per channel.
            if (bn.Outputs.Count(o => o.Length > 0) != 1 || bn.Inputs.Count < 5 || bn.GetInt("spatial", 1) != 1)
                continue;
            var producer = graph.Producer(bn.Inputs[0]);
            if (producer is null || producer.OpType is not ("Conv" or "Gemm") || !producer.IsStandard
                || graph.Consumers(bn.Inputs[0]).Count != 1 || graph.IsGraphOutput(bn.Inputs[0]))
                continue;
            var parameters = bn.Inputs.Skip(1).Take(4).Select(graph.Initializer).ToArray();
            var weight = producer.Inputs.Count > 1 ? graph.Initializer(producer.Inputs[1]) : null;
            var bias = producer.Inputs.Count > 2 && producer.Inputs[2].Length > 0 ? graph.Initializer(producer.Inputs[2]) : null;
            if (parameters.Any(p => p is null) || weight is null || (producer.Inputs.Count > 2 && producer.Inputs[2].Length > 0 && bias is null))
                continue;
            // A Gemm before opset 7 broadcasts C only with broadcast=1, so a folded [N] bias would not fit.
            if (producer.OpType == "Gemm" && (producer.GetInt("transA", 0) != 0 || producer.Attribute("broadcast") is not null))
                continue;

            float epsilon = bn.GetFloat("epsilon", 1e-5f);
            var gamma = TensorData.ToFloats(parameters[0]!, external);
            var beta = TensorData.ToFloats(parameters[1]!, external);
            var mean = TensorData.ToFloats(parameters[2]!, external);
            var variance = TensorData.ToFloats(parameters[3]!, external);
            int channels = gamma.Length;
            var k = new float[channels];
            for (int c = 0; c < channels; c++)
                k[c] = gamma[c] / MathF.Sqrt(variance[c] + epsilon);

            var w = TensorData.ToFloats(weight, external);
            long[] wDims = [.. weight.Dims];
            bool ok = producer.OpType == "Conv"
                ? ScaleConvWeight(w, wDims, k)
                : ScaleGemmWeight(w, wDims, k, transB: producer.GetInt("transB", 0) == 1);
            if (!ok)
                continue;

            float gemmBeta = producer.OpType == "Gemm" ? producer.GetFloat("beta", 1f) : 1f;
            if (gemmBeta == 0)
                continue;
            var b = bias is null ? new float[channels] : TensorData.ToFloats(bias, external);
            if (b.Length != channels)
                continue; // broadcast Gemm biases are left alone
            var newBias = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                // Gemm adds beta·C, so the folded constant is divided by beta to come out right.
                newBias[c] = producer.OpType == "Conv"
                    ? (b[c] - mean[c]) * k[c] + beta[c]
                    : b[c] * k[c] + (beta[c] - k[c] * mean[c]) / gemmBeta;
            }

            string wName = graph.UniqueName(producer.Inputs[1] + "_bnfolded");
            string bName = graph.UniqueName((bias is null ? producer.DisplayName + "_bias" : producer.Inputs[2]) + "_bnfolded");
            graph.AddInitializer(TensorData.FromFloats(wName, wDims, w));
            graph.AddInitializer(TensorData.FromFloats(bName, [channels], newBias));
            var inputs = producer.Inputs.ToList();
            inputs[1] = wName;
            if (inputs.Count > 2) inputs[2] = bName;
            else inputs.Add(bName);
            graph.SetInputs(producer, inputs);
            // The Conv/Gemm now writes BN's output name, so consumers and graph outputs need no rewiring.
            string bnOutput = bn.Outputs[0];
            graph.RemoveNode(bn);
            graph.SetOutput(producer, 0, bnOutput);
            folded++;
        }
        if (folded > 0)
            graph.RemoveUnusedInitializers();
        return folded;
    }

    private static bool ScaleConvWeight(float[] w, long[] dims, float[] k)
    {
        if (dims.Length < 2 || dims[0] != k.Length)
            return false;
        long perChannel = w.Length / dims[0];
        for (int c = 0; c < k.Length; c++)
            for (long i = 0; i < perChannel; i++)
                w[c * perChannel + i] *= k[c];
        return true;
    }

    private static bool ScaleGemmWeight(float[] w, long[] dims, float[] k, bool transB)
    {
        if (dims.Length != 2)
            return false;
        long rows = dims[0], cols = dims[1];
        if ((transB ? rows : cols) != k.Length)
            return false;
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                w[r * cols + c] *= k[transB ? r : c];
        return true;
    }
}
