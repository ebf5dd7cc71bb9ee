using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Cli.Output;
using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Evaluation.Text;
using Ptq.Onnx;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq eval MODEL [--ref FP32_MODEL] --data SPEC [PREPROCESSING] [--labels subdirs|FILE|prefix:CLASSLIST|next-token] [--vocab VOCAB.json] [--limit N] [--json]</c>:
/// maps onto <see cref="Evaluator.Evaluate"/> or <see cref="Evaluator.EvaluateLanguageModel"/>. <c>--labels subdirs</c> reads the data folder recursively;
/// <c>--vocab</c> reads the --data text file as a language model's windows (<see cref="TextWindowSource"/>) and scores
/// perplexity; <c>--labels next-token</c> scores perplexity on token-id windows (.npy) against their own next tokens.
/// </summary>
internal static class EvalCommand
{
    /// <summary>Builds the command writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var model = new Argument<string>("MODEL") { Description = "The ONNX model to evaluate (typically quantized)." };
        var reference = new Option<string?>("--ref") { Description = "Reference model (typically the fp32 original): agreement, output cosine/SQNR, latency side by side.", HelpName = "FP32_MODEL" }.In(HelpSection.Input);
        var labels = new Option<string?>("--labels") { Description = "Labels: subdirs (one folder per class), FILE (idx1 or one label per line), prefix:CLASSLIST (class = line of the file-name prefix), or next-token (perplexity of a language model on token-id windows, each scored on its own next tokens).", HelpName = "subdirs|FILE|prefix:CLASSLIST|next-token" }.In(HelpSection.Input);
        var vocab = new Option<string?>("--vocab") { Description = "Vocabulary JSON of a language model ({\"vocab\": [tokens by id], \"context\": N}): --data is a text file, tokenized and cut into windows of the context; reports perplexity on the next tokens.", HelpName = "VOCAB.json" }.In(HelpSection.Input);
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N samples.", HelpName = "N" }.In(HelpSection.Input);
        var json = new Option<bool>("--json") { Description = "Write the report as JSON (camelCase; +/-Infinity and NaN as strings) instead of tables." }.In(HelpSection.Output);
        var batchSizes = new Option<string?>("--batch-sizes") { Description = "Batch sizes to time; above 1 needs a dynamic batch dimension.", HelpName = "B,...", DefaultValueFactory = _ => "1" }.In(HelpSection.Runtime);
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads; 0: one per physical core.", HelpName = "N", DefaultValueFactory = _ => 0 }.In(HelpSection.Runtime);
        var runs = new Option<int>("--runs") { Description = "Timed runs per batch size; 0 skips latency.", HelpName = "N", DefaultValueFactory = _ => 20 }.In(HelpSection.Runtime);
        var data = new DataOptions();
        var logging = new LoggingOptions();
        var command = new Command("eval", "Score a model: top-1/top-5, agreement and output error against a reference, latency, size.")
        {
            model, reference, labels, vocab, limit, json, batchSizes, threads, runs,
        };
        data.AddTo(command, dataRequired: true);
        var externalData = new ExternalDataRootOption();
        externalData.AddTo(command);
        logging.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var info = logging.Logger(parseResult, console, LogLevel.Info);
            int? n = parseResult.GetValue(limit);
            if (n is <= 0) throw new PtqException($"--limit must be a positive number of samples, got {n}.");
            var options = EvaluationOptionsOf(parseResult.GetValue(threads), parseResult.GetValue(runs), parseResult.GetValue(batchSizes));
            string? labelText = parseResult.GetValue(labels);
            var specs = data.Specs(parseResult);
            var sourceOptions = data.ToSourceOptions(parseResult, n);
            if (labelText == "subdirs") sourceOptions = sourceOptions with { Recursive = true };

            using var loaded = externalData.Load(parseResult, parseResult.GetRequiredValue(model));
            using var refModel = parseResult.GetValue(reference) is { } refPath ? externalData.Load(parseResult, refPath) : null;
            EvaluationReport report;
            if (parseResult.GetValue(vocab) is { } vocabPath)
            {
                if (labelText is not null)
                    throw new PtqException($"--labels {labelText} with --vocab: the text gives the next-token targets itself; drop --labels");
                var text = TextWindowSource.Open(TextPath(specs, loaded), vocabPath, ModelInputs.Of(loaded), n);
                info($"evaluating {loaded.DisplayName} on {text.Count} window(s) of {text.Context} tokens ({text.TokenCount} in the text)");
                report = Evaluator.EvaluateLanguageModel(loaded, refModel, text, text, options, null, cancellationToken);
            }
            else
            {
                var source = CalibrationSources.Create(ModelInputs.Of(loaded), specs, sourceOptions);
                info($"evaluating {loaded.DisplayName} on {source.Count} sample(s)");
                report = labelText == NextToken
                    ? Evaluator.EvaluateLanguageModel(loaded, refModel, source, new ShiftedTokenTargets(TokenInput(loaded)), options, null, cancellationToken)
                    : Evaluator.Evaluate(loaded, refModel, source, labelText is null ? null : LabelSources.Parse(labelText, DataFolder(specs, loaded)), options, null, cancellationToken);
            }
            if (parseResult.GetValue(json))
                console.Out.WriteLine(EvaluationReportJson.Serialize(report));
            else
                EvaluationReportView.Write(console.Ansi, report, Path.GetFileName(loaded.DisplayName), refModel is null ? null : Path.GetFileName(refModel.DisplayName));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command.WithExamples(
            new("Top-1/top-5 and agreement with the float model, one folder per class", "ptq eval model.int8.onnx --ref model.onnx --data val/ --labels subdirs"),
            new("Output error against float only (no labels), latency on one thread, as JSON", "ptq eval model.int8.onnx --ref model.onnx --data samples/ --threads 1 --json"),
            new("Accuracy of one model from a label file, first 1000 samples", "ptq eval model.int8.onnx --data images/ --labels labels.txt --limit 1000"),
            new("Perplexity of a language model on a text file, against the float model", "ptq eval lm.int8.onnx --ref lm.onnx --vocab vocab.json --data test.txt"));
    }

    private const string NextToken = "next-token";

    // --vocab reads one text file; a model with one input may still be named (ids:FILE).
    private static string TextPath(IReadOnlyList<string> specs, OnnxModel model)
    {
        if (specs.Count != 1)
            throw new PtqException($"--vocab reads one text file, but --data gives {specs.Count}; give one");
        return DataSpec.Parse(specs[0], ModelInputs.Of(model).Select(i => i.Name)).Path;
    }

    // The input whose ids are shifted into targets: the model's only integer input.
    private static string TokenInput(OnnxModel model)
    {
        var ids = ModelInputs.Of(model).Where(i => i.ElementType is InputElementType.Int64 or InputElementType.Int32).ToList();
        return ids is [var input] ? input.Name
            : throw new PtqException($"--labels {NextToken} reads the targets from the model's input of token ids, but it has {ids.Count} integer inputs ({string.Join(", ", ids.Select(i => i.Name))})");
    }

    private static EvaluationOptions EvaluationOptionsOf(int threads, int runs, string? batchSizes)
    {
        if (threads < 0) throw new PtqException($"--threads must be 0 (ONNX Runtime's choice) or positive, got {threads}.");
        if (runs < 0) throw new PtqException($"--runs must be 0 (no latency) or positive, got {runs}.");
        int[] sizes = batchSizes is null ? [1] : OptionText.ParseInts(batchSizes, "--batch-sizes");
        if (sizes.Length == 0 || sizes.Any(b => b < 1)) throw new PtqException($"--batch-sizes must list positive numbers, got '{batchSizes}'.");
        return new EvaluationOptions { IntraOpThreads = threads, LatencyRuns = runs, LatencyBatchSizes = sizes };
    }

    // The folder the samples' relative names start from: the PATH of the first SPEC, when it is a folder.
    private static string? DataFolder(IReadOnlyList<string> specs, OnnxModel model)
    {
        if (specs.Count == 0) return null;
        string path = DataSpec.Parse(specs[0], ModelInputs.Of(model).Select(i => i.Name)).Path;
        return Directory.Exists(path) ? path : null;
    }
}
