using System.Globalization;
using Ptq.Data;
using Ptq.Onnx;
using static Ptq.Recipes.SeedToolFrontEnd;

namespace Ptq.Recipes;

/// <summary>
/// Distiller's post-training quantization flags → a recipe, with Distiller's defaults where Ptq's differ: symmetric
/// activations and weights, per-tensor weights unless <c>--qe-per-channel</c>, min-max ranges (<c>--qe-clip-acts none</c>),
/// net-aware clipping of Tanh/Sigmoid inputs, no bias correction, and calibration on 5 % of the data unless
/// <c>--qe-stats-file</c> or <c>--qe-calibration</c> says otherwise. The model is written to
/// <c>OUT_DIR/MODEL_quantized.onnx</c> (Distiller's <c>-o/--out-dir</c>, default <c>logs</c>).
/// </summary>
internal static class DistillerTranslator
{
    private const string Command = "distiller";

    /// <summary>Distiller's default calibration fraction: "equivalent to using --qe-calibration 0.05".</summary>
    public const double DefaultCalibration = 0.05;

    private const string Modes = "sym|asym_u|asym_s";

    public static IReadOnlyList<string> Positional { get; } = ["MODEL", "DATA_DIR"];

    public static IReadOnlyList<ToolFlag> Flags { get; } =
    [
        Switch("--quantize-eval", "Quantize the model (Distiller's post-training quantization); required.", "--qe") with { Counterpart = "ptq quantize" },
        Value("--qe-mode", Modes, "Scheme of activations and weights. [default: sym]", "--qem"),
        Value("--qe-mode-acts", Modes, "Scheme of activations; overrides --qe-mode.", "--qema"),
        Value("--qe-mode-wts", Modes, "Scheme of weights; overrides --qe-mode.", "--qemw"),
        Value("--qe-bits-acts", "N", "Activation bits; 0: activations stay float (weight-only). [default: 8]", "--qeba"),
        Value("--qe-bits-wts", "N", "Weight bits; 0: weights stay float (activations only). [default: 8]", "--qebw"),
        Value("--qe-bits-accum", "N", "Accumulator bits: ONNX Runtime accumulates in int32, so 32. [default: 32]") with
        {
            Counterpart = "none needed: ONNX Runtime accumulates in int32 (32 accepted, other values refused)",
        },
        Value("--qe-clip-acts", "none|avg|n_std|gauss|laplace", "Activation clipping. [default: none]", "--qeca"),
        Value("--qe-clip-n-stds", "K", "Standard deviations --qe-clip-acts n_std keeps."),
        Values("--qe-no-clip-layers", "NAME", "Nodes (ONNX names or regular expressions) whose activations are not clipped.", "--qencl"),
        Values("--qe-no-quant-layers", "NAME", "Nodes (ONNX names or regular expressions) left float.", "--qenql"),
        Switch("--qe-per-channel", "Per-channel weights (per output channel); absent: per-tensor.", "--qepc"),
        Value("--qe-scale-approx-bits", "N", "Requantization scales as an N-bit integer multiplier and shift, written into the model as Distiller simulates them.", "--qesab"),
        Value("--qe-stats-file", "STATS.yaml", "Distiller's acts_quantization_stats.yaml (or Ptq's stats JSON) instead of calibrating; layer names are ONNX node names."),
        Value("--qe-calibration", "FRACTION", "Fraction of DATA_DIR, in (0, 1], to calibrate on. [default: 0.05]"),
        Switch("--qe-dynamic", "Quantize activations at run time (ONNX Runtime's dynamic quantization of MatMul and Gemm)."),
        Value("--qe-config-file", "YAML", "Distiller's YAML config (a PostTrainLinearQuantizer under 'quantizers:', with per-layer overrides); replaces the other --qe-* flags.") with
        {
            Counterpart = "the quantizer's settings as the flags above, its overrides as the recipe's 'overrides' (first match first)",
        },
        Switch("--qe-convert-pytorch", "Convert to PyTorch's quantized modules.", "--qept") with
        {
            Refusal = "Ptq writes ONNX with QuantizeLinear/DequantizeLinear, which ONNX Runtime runs with integer kernels; there is no PyTorch model to convert. Leave it out.",
        },
        Value("--qe-pytorch-backend", "fbgemm|qnnpack", "PyTorch's quantization backend.") with
        {
            Refusal = "Ptq writes ONNX for ONNX Runtime, whose CPU provider plays the part of fbgemm/qnnpack; leave it out.",
        },
        Switch("--qe-lapq", "Loss-aware post-training quantization (LAPQ): all activation clips searched together for the output loss (Powell's method from L_p clips)."),
        Value("--lapq-maxiter", "N", "LAPQ: sweeps of Powell's method. [default: 1]"),
        Value("--lapq-maxfev", "N", "LAPQ: output losses computed in all. [default: no bound beyond --lapq-maxiter]"),
        Value("--lapq-method", "Powell", "LAPQ: the minimisation method; Powell only. [default: Powell]") with
        {
            Counterpart = "Powell's method is what --method lapq runs; other scipy.optimize methods are refused",
        },
        Switch("--lapq-basinhopping", "LAPQ: scipy's basin-hopping global search around the minimiser.", "--lapq-bh") with
        {
            Refusal = "not implemented: basin hopping restarts Powell's method from random perturbations, hundreds of times the cost; the closest is more sweeps, --lapq-maxiter N.",
        },
        Value("--lapq-basinhopping-niter", "N", "LAPQ: basin-hopping iterations.", "--lapq-bh-niter") with
        {
            Refusal = "basin hopping is not implemented (see --lapq-basinhopping); the closest is more sweeps, --lapq-maxiter N.",
        },
        Value("--lapq-init-mode", "L1|L2|L3", "LAPQ: start from each activation's L_p-optimal clip. [default: the best p of 2, 2.5, 3, 3.5 and 4 by output loss]"),
        Value("--lapq-init-method", "Powell", "LAPQ: how the L_p clips are found; Ptq scans each histogram for the exact minimiser. [default: Powell]") with
        {
            Counterpart = "none needed: each L_p clip is the minimiser of a scan over the histogram, what Powell's method converges to",
        },
        Value("--lapq-eval-size", "FRACTION", "LAPQ: fraction of DATA_DIR, in (0, 1], the output loss is measured on. [default: 16 samples]"),
        Switch("--lapq-eval-memoize-dataloader", "LAPQ: keep the evaluation samples in memory.") with
        {
            Counterpart = "always: the samples are decoded once and kept for the whole search",
        },
        Switch("--lapq-search-clipping", "LAPQ: search clip values rather than scale and zero point.") with
        {
            Counterpart = "always: Ptq's LAPQ searches the clip values, from which scale and zero point follow",
        },
        Switch("--evaluate", "Evaluate: Ptq compares the result with the float model on 32 of the samples anyway.") with
        {
            Counterpart = "the output check every run does (ptq eval for accuracy on labels)",
        },
        Value("-o", "DIR", "Folder the quantized model goes to, as MODEL_quantized.onnx. [default: logs]", "--out-dir") with
        {
            Counterpart = "-o DIR/MODEL_quantized.onnx",
        },
        Value("-a", "ARCH", "Distiller's model architecture.", "--arch") with
        {
            Refusal = "the model is the MODEL.onnx argument (export the PyTorch model to ONNX first); leave -a out.",
        },
        Switch("--pretrained", "Use Distiller's pretrained weights.") with
        {
            Refusal = "the weights are those in MODEL.onnx; leave --pretrained out.",
        },
    ];

    public static ToolTranslation Translate(ToolArguments a, QuantizationRecipe baseline)
    {
        if (a.Positional.Count != 2)
            throw new ToolFlagException(Command, "MODEL DATA_DIR", "give the ONNX model and the data folder, e.g. ptq distiller model.onnx images/ --quantize-eval");
        var (model, data) = (a.Positional[0], a.Positional[1]);
        if (!a.Has("--quantize-eval"))
            throw new ToolFlagException(Command, "--quantize-eval", "missing: Distiller quantizes only with --quantize-eval (calibration alone is 'ptq calibrate MODEL --data DATA_DIR -o STATS.json').");
        var notes = new List<string>();
        var b = new RecipeBuilder(baseline);
        b.Recipe = b.Recipe with { BiasCorrection = false, NetAwareClip = true };
        RecipeOptions.Data.Apply(b, [data]);

        if (a.Value("--qe-config-file") is { } config)
            return FromConfig(a, b, config, model, data, notes);

        // Schemes: --qe-mode, then the per-class flags over it.
        ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-mode", a.Value("--qe-mode", "sym")!);
        if (a.Value("--qe-mode-acts") is { } actMode) ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-mode-acts", actMode);
        if (a.Value("--qe-mode-wts") is { } weightMode) ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-mode-wts", weightMode);

        int actBits = Int(a, "--qe-bits-acts", 8), weightBits = Int(a, "--qe-bits-wts", 8);
        if (weightBits == 0 && actBits == 0)
            throw new ToolFlagException(Command, "--qe-bits-wts 0", "with --qe-bits-acts 0 too nothing would be quantized; give bits to one of them.");
        if (weightBits == 0)
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-bits-wts 0", "false"); // weights stay float, activations are quantized
        else if (a.Has("--qe-bits-wts"))
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-bits-wts", weightBits.ToString(CultureInfo.InvariantCulture));
        if (a.Value("--qe-bits-accum") is { } accum && accum != "32")
            throw new ToolFlagException(Command, $"--qe-bits-accum {accum}", "ONNX Runtime's integer kernels accumulate in int32; only 32 can be honoured.");

        bool dynamic = a.Has("--qe-dynamic");
        if (actBits == 0 && dynamic)
            throw new ToolFlagException(Command, "--qe-dynamic with --qe-bits-acts 0", "dynamic mode quantizes activations at run time; drop one of the two.");
        if (actBits == 0)
            RecipeOptions.Mode.Apply(b, ["weight-only"]);
        else if (dynamic)
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-dynamic", "given");
        else if (a.Has("--qe-bits-acts"))
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-bits-acts", actBits.ToString(CultureInfo.InvariantCulture));
        bool calibrates = actBits != 0 && !dynamic;
        if (!calibrates)
            b.Recipe = b.Recipe with { NetAwareClip = false };

        ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-per-channel", a.Has("--qe-per-channel") ? "given" : "absent");
        string clipActs = a.Value("--qe-clip-acts", "none")!;
        if (calibrates)
        {
            if (!a.Has("--qe-lapq")) // LAPQ chooses the clips (and refuses --qe-clip-acts below)
                ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-clip-acts", clipActs);
        }
        else if (a.Has("--qe-clip-acts") || a.Has("--qe-no-clip-layers"))
            throw new ToolFlagException(Command, a.Has("--qe-clip-acts") ? "--qe-clip-acts" : "--qe-no-clip-layers", "activation clipping needs statically quantized activations; drop it, or drop --qe-dynamic / --qe-bits-acts 0.");
        if (a.Value("--qe-clip-n-stds") is { } nStd)
        {
            if (clipActs != "n_std")
                throw new ToolFlagException(Command, $"--qe-clip-n-stds {nStd}", "it only applies with --qe-clip-acts n_std; add that, or drop it.");
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-clip-n-stds", nStd);
        }
        Lapq(b, a, model, calibrates, notes);
        if (a.Value("--qe-scale-approx-bits") is { } approx)
        {
            if (!calibrates)
                throw new ToolFlagException(Command, "--qe-scale-approx-bits", "requantization scales exist where activations are quantized statically; drop --qe-dynamic / --qe-bits-acts 0, or drop it.");
            if (!int.TryParse(approx, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits) || bits is < 2 or > 31)
                throw new ToolFlagException(Command, $"--qe-scale-approx-bits {approx}", "expected the integer multiplier's bits, 2 to 31 (e.g. 16).");
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-scale-approx-bits", approx);
            b.Recipe = b.Recipe with { ScaleApproxBake = true }; // Distiller computes with the approximated scales
        }
        if (a.Values("--qe-no-clip-layers") is { Count: > 0 } noClip) ApplyList(b, "--qe-no-clip-layers", noClip);
        if (a.Values("--qe-no-quant-layers") is { Count: > 0 } skip) ApplyList(b, "--qe-no-quant-layers", skip);

        string? stats = a.Value("--qe-stats-file");
        if (stats is not null && a.Has("--qe-calibration"))
            throw new ToolFlagException(Command, "--qe-calibration with --qe-stats-file", "the stats file replaces calibration; give one of the two.");
        if (stats is not null && calibrates)
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-stats-file", stats);
        else if (stats is not null)
            throw new ToolFlagException(Command, "--qe-stats-file", "statistics fix activation ranges, which are not quantized statically here (--qe-dynamic or --qe-bits-acts 0); drop it.");
        else if (calibrates)
            CalibrateOn(b, a, model, data, notes);

        return new ToolTranslation(b.Build(), model, Output(a, model), Verbose: false, notes);
    }

    // Distiller: "--qe-config-file ... (ignores all other --qe* arguments)"; Ptq refuses them rather than ignore them.
    private static ToolTranslation FromConfig(ToolArguments a, RecipeBuilder b, string config, string model, string data, List<string> notes)
    {
        var others = a.Given.Where(n => n.StartsWith("--qe-", StringComparison.Ordinal) && n is not ("--qe-config-file" or "--qe-calibration" or "--qe-lapq")).ToList();
        if (others.Count > 0)
            throw new ToolFlagException(Command, $"--qe-config-file with {string.Join(", ", others)}",
                "the config file replaces the other --qe-* flags (Distiller ignores them); set them in the config, or drop the config.");
        foreach (var (flag, value) in new[] { ("--qe-mode", "sym"), ("--qe-per-channel", "absent"), ("--qe-clip-acts", "none") })
            ToolTable.Apply(b, Command, SeedTool.Distiller, flag, value);
        int actBits = DistillerConfigReader.Apply(b, config);
        Lapq(b, a, model, calibrates: actBits != 0 && b.Recipe.Mode == QuantizationMode.Full, notes); // Distiller's LAPQ example gives --qe-lapq with a config
        if (actBits == 0)
            b.Recipe = b.Recipe with { NetAwareClip = false };
        else if (b.Recipe.Stats is null)
            CalibrateOn(b, a, model, data, notes);
        else if (a.Has("--qe-calibration"))
            throw new ToolFlagException(Command, "--qe-calibration with the config's model_activation_stats", "the stats file replaces calibration; give one of the two.");
        return new ToolTranslation(b.Build(), model, Output(a, model), Verbose: false, notes);
    }

    private static string Output(ToolArguments a, string model) =>
        Path.Combine(a.Value("-o", "logs")!, Path.GetFileNameWithoutExtension(model) + "_quantized.onnx");

    // Distiller calibrates on a fraction of the test set; Ptq takes the first N samples in name order.
    private static void CalibrateOn(RecipeBuilder b, ToolArguments a, string model, string data, List<string> notes)
    {
        string text = a.Value("--qe-calibration", DefaultCalibration.ToString(CultureInfo.InvariantCulture))!;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction) || !(fraction > 0 && fraction <= 1))
            throw new ToolFlagException(Command, $"--qe-calibration {text}", "expected the fraction of DATA_DIR to calibrate on, in (0, 1], e.g. 0.05 for 5 %.");
        var recipe = b.Build();
        int available;
        using (var loaded = ModelIO.Load(model))
            available = CalibrationSources.Create(loaded, recipe.Data, recipe.ToSourceOptions()).Count;
        int count = Math.Max(1, (int)Math.Round(fraction * available, MidpointRounding.AwayFromZero));
        ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-calibration", count.ToString(CultureInfo.InvariantCulture));
        if (!a.Has("--qe-calibration"))
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"distiller: no --qe-stats-file, so calibrating on {DefaultCalibration:P0} of {data} ({count} of {available} samples), as Distiller does by default"));
    }

    private static readonly string[] LapqFlags =
        ["--lapq-maxiter", "--lapq-maxfev", "--lapq-method", "--lapq-init-mode", "--lapq-init-method", "--lapq-eval-size", "--lapq-eval-memoize-dataloader", "--lapq-search-clipping"];

    // --qe-lapq and its --lapq-* flags (Distiller's ptq_coordinate_search arguments).
    private static void Lapq(RecipeBuilder b, ToolArguments a, string model, bool calibrates, List<string> notes)
    {
        if (!a.Has("--qe-lapq"))
        {
            if (LapqFlags.FirstOrDefault(a.Has) is { } stray)
                throw new ToolFlagException(Command, stray, "it steers LAPQ's search; add --qe-lapq, or drop it.");
            return;
        }
        if (!calibrates)
            throw new ToolFlagException(Command, "--qe-lapq", "LAPQ searches the clips of statically quantized activations; drop --qe-dynamic / --qe-bits-acts 0, or drop --qe-lapq.");
        if (a.Has("--qe-clip-acts"))
            throw new ToolFlagException(Command, "--qe-clip-acts with --qe-lapq", "LAPQ chooses the clips itself, starting from L_p-optimal ones (--lapq-init-mode); drop --qe-clip-acts.");
        if (a.Has("--qe-clip-n-stds"))
            throw new ToolFlagException(Command, "--qe-clip-n-stds with --qe-lapq", "LAPQ chooses the clips itself; drop --qe-clip-n-stds.");
        ToolTable.Apply(b, Command, SeedTool.Distiller, "--qe-lapq", "given");
        if (a.Value("--lapq-maxiter") is { } maxIter) ToolTable.Apply(b, Command, SeedTool.Distiller, "--lapq-maxiter", maxIter);
        if (a.Value("--lapq-maxfev") is { } maxFev) ToolTable.Apply(b, Command, SeedTool.Distiller, "--lapq-maxfev", maxFev);
        foreach (string flag in new[] { "--lapq-method", "--lapq-init-method" })
        {
            if (a.Value(flag) is { } method && !string.Equals(method, "powell", StringComparison.OrdinalIgnoreCase))
                throw new ToolFlagException(Command, $"{flag} {method}", flag == "--lapq-method"
                    ? "only Powell's method is implemented (the gradient-free search LAPQ describes); give Powell or leave it out."
                    : "each L_p clip is found exactly by scanning the histogram, which any method would converge to; give Powell or leave it out.");
        }
        if (a.Value("--lapq-init-mode") is { } init)
        {
            if (init.ToUpperInvariant() is "NONE" or "AVG" or "N_STD" or "GAUSS" or "LAPLACE")
                throw new ToolFlagException(Command, $"--lapq-init-mode {init}", "Ptq's LAPQ starts from L_p-optimal clips only; give L1, L2 or L3, or leave it out for the best p of 2 to 4.");
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--lapq-init-mode", init.ToUpperInvariant());
        }
        if (a.Value("--lapq-eval-size") is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction) || !(fraction > 0 && fraction <= 1))
                throw new ToolFlagException(Command, $"--lapq-eval-size {text}", "expected the fraction of DATA_DIR to measure the loss on, in (0, 1], e.g. 0.05.");
            var recipe = b.Build();
            int available;
            using (var loaded = ModelIO.Load(model))
                available = CalibrationSources.Create(loaded, recipe.Data, recipe.ToSourceOptions()).Count;
            int count = Math.Max(1, (int)Math.Round(fraction * available, MidpointRounding.AwayFromZero));
            ToolTable.Apply(b, Command, SeedTool.Distiller, "--lapq-eval-size", count.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            notes.Add($"distiller: no --lapq-eval-size, so LAPQ measures the output loss on {Tuning.Lapq.LapqSettings.DefaultSamples} samples spread over the data (Distiller's default, the whole set, would cost hundreds of passes over it)");
        }
    }

    private static void ApplyList(RecipeBuilder b, string flag, IReadOnlyList<string> names)
    {
        var option = ToolTable.Find(SeedTool.Distiller, flag).Single().Option;
        try { option.Apply(b, names); }
        catch (SettingException e) { throw new ToolFlagException(Command, flag, e.MessageIn(OptionSpelling.Flags), e); }
    }

    private static int Int(ToolArguments a, string flag, int fallback) =>
        a.Value(flag) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 0 ? n
        : throw new ToolFlagException(Command, $"{flag} {text}", "expected a number of bits (0 for no quantization).");
}
