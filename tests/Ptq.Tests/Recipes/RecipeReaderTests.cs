using Ptq.Calibration;
using Ptq.Data;
using Ptq.Quantization;
using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

public sealed class RecipeReaderTests
{
    private const string Yaml = """
        # a Ptq recipe
        mode: full
        act-bits: 8
        weight-bits: 4
        act-mode: sym
        weight-mode: asym_s
        granularity: mix
        method: kl
        percentile: 99.9
        weight-method: mse
        bias-correction: false
        cle: true
        fold-bn: false
        clip: 6.5
        clip-table: clip.json
        skip: [conv1, "fc.*"]
        skip-op: [Add]
        target-cosine: 0.99
        max-drop: 1
        calib-size: 100
        reduce-range: true
        data: ["images"]
        resize-short: 256
        crop: 224,224
        color: BGR
        mean: [104, 117, 123]
        scale: "0.017"
        layout: nhwc
        overrides:
          "conv.*": {weight-bits: 8, act-mode: asym_u, method: minmax}
          fc:
            skip: true
        """;

    private static QuantizationRecipe Expected() => new()
    {
        ActBits = 8, WeightBits = 4, ActMode = QuantMode.Symmetric, WeightMode = QuantMode.AsymmetricSigned,
        Granularity = Granularity.Mix, Method = CalibrationMethod.Kl, Percentile = 99.9, WeightMethod = WeightMethod.Mse,
        BiasCorrection = false, Cle = true, FoldBn = false, Clip = 6.5, ClipTable = "clip.json", Skip = ["conv1", "fc.*"],
        SkipOp = ["Add"], TargetCosine = 0.99, MaxDrop = 1, CalibSize = 100, ReduceRange = true, Data = ["images"],
        Preprocessing = new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224), color: ColorMode.Bgr,
            mean: [104f, 117f, 123f], scale: [0.017f], layout: TensorLayout.Nhwc),
        Overrides =
        [
            new LayerOverride { Pattern = "conv.*", WeightBits = 8, ActMode = QuantMode.AsymmetricUnsigned, Method = CalibrationMethod.MinMax },
            new LayerOverride { Pattern = "fc", Skip = true },
        ],
    };

    [Fact]
    public void Yaml_reads_every_key()
    {
        Assert.Equal(Expected(), RecipeYamlReader.Parse(Yaml).Validate());
    }

    [Fact]
    public void Json_reads_the_same_keys()
    {
        const string json = """
            {
              "act-bits": 8, "weight-bits": "4", "act-mode": "sym", "weight-mode": "asym_s", "granularity": "mix",
              "method": "kl", "percentile": 99.9, "weight-method": "mse", "bias-correction": false, "cle": true,
              "fold-bn": false, "clip": 6.5, "clip-table": "clip.json", "skip": ["conv1", "fc.*"], "skip-op": ["Add"],
              "target-cosine": 0.99, "max-drop": 1, "calib-size": 100, "reduce-range": true, "data": ["images"],
              "resize-short": 256, "crop": [224, 224], "color": "bgr", "mean": [104, 117, 123], "scale": [0.017], "layout": "NHWC",
              // comments and trailing commas are fine
              "overrides": {"conv.*": {"weight-bits": 8, "act-mode": "asym_u", "method": "minmax"}, "fc": {"skip": true}},
            }
            """;

        Assert.Equal(Expected(), RecipeJsonReader.Parse(json).Validate());
    }

    [Fact]
    public void Written_yaml_reads_back_to_an_equal_recipe()
    {
        var recipe = Expected() with { Stats = "s\"tats\\x.json", Data = [], CalibSize = null, Mode = QuantizationMode.Full, ActBits = null };

        string yaml = RecipeYamlWriter.Write(recipe);

        Assert.Equal(recipe, RecipeYamlReader.Parse(yaml));
        Assert.Equal(QuantizationRecipe.Default, RecipeYamlReader.Parse(RecipeYamlWriter.Write(QuantizationRecipe.Default)));
    }

    [Fact]
    public void Act_bits_mixed_reads_from_yaml_and_json_and_writes_back()
    {
        var yaml = RecipeYamlReader.Parse("act-bits: mixed\ntarget-cosine: 0.998\n", "r.yaml").Validate();
        var json = RecipeJsonReader.Parse("""{"act-bits": "Mixed", "target-cosine": 0.998}""", "r.json").Validate();

        Assert.Equal(QuantizationRecipe.MixedBits, yaml.ActBits);
        Assert.True(yaml.IsMixedActBits);
        Assert.False(yaml.IsMixedWeightBits);
        Assert.Equal(yaml, json);
        string written = RecipeYamlWriter.Write(yaml);
        Assert.Contains("act-bits: mixed\n", written);
        Assert.Equal(yaml, RecipeYamlReader.Parse(written));
    }

    [Fact]
    public void Empty_yaml_is_the_default_recipe()
    {
        Assert.Equal(QuantizationRecipe.Default, RecipeYamlReader.Parse("# nothing\n"));
    }

    [Theory]
    [InlineData("act-bits: 8\nact-bit: 4\n", "r.yaml: line 2: act-bit: unknown key")]
    [InlineData("method: entropy\n", "r.yaml: line 1: method 'entropy': expected one of minmax|avg|ema|percentile|kl|mse|aciq-gauss|aciq-laplace|nstd")]
    [InlineData("act-bits: eight\n", "r.yaml: line 1: act-bits 'eight': expected a bit width (2 to 16) or 'mixed'.")]
    [InlineData("act-bits: [8]\n", "r.yaml: line 1: act-bits: expected a single value.")]
    [InlineData("cle: maybe\n", "r.yaml: line 1: cle: 'maybe' is not true or false")]
    [InlineData("skip: {a: 1}\n", "r.yaml: line 1: skip: expected a list")]
    [InlineData("overrides:\n  conv1: {bits: 4}\n", "r.yaml: line 2: overrides['conv1'].bits: unknown key")]
    [InlineData("mean: [1, x]\n", "r.yaml: line 1: mean: 'x' in '1,x' is not a number")]
    [InlineData("std: [1]\nscale: [2]\n", "r.yaml: line 1: std and scale are exclusive")]
    [InlineData("a: [1\n", "r.yaml: line 2: not valid YAML")]
    public void Yaml_errors_name_file_line_and_key(string yaml, string message)
    {
        var e = Assert.Throws<RecipeException>(() => RecipeYamlReader.Parse(yaml, "r.yaml"));

        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Json_errors_name_file_and_key()
    {
        var e = Assert.Throws<RecipeException>(() => RecipeJsonReader.Parse("""{"weight-bits": "many"}""", "r.json"));
        Assert.Equal("r.json: weight-bits 'many': expected a bit width (1 to 16) or 'mixed'.", e.Message);

        var syntax = Assert.Throws<RecipeException>(() => RecipeJsonReader.Parse("{\n\"a\": }", "r.json"));
        Assert.StartsWith("r.json: line 2: not valid JSON", syntax.Message);
    }

    [Fact]
    public void RecipeFile_picks_the_reader_by_extension()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("r.yml"), "method: kl\n");
        File.WriteAllText(temp.File("r.json"), """{"method": "mse"}""");
        File.WriteAllText(temp.File("r.cfg"), "[common_quant_param]\nquant_type=FULL_QUANT\n[full_quant_param]\nactivation_quant_method=MAX_MIN\n");
        File.WriteAllText(temp.File("r.txt"), "");

        Assert.Equal(CalibrationMethod.Kl, RecipeFile.Load(temp.File("r.yml")).Method);
        Assert.Equal(CalibrationMethod.Mse, RecipeFile.Load(temp.File("r.json")).Method);
        Assert.Equal(CalibrationMethod.MinMax, RecipeFile.Load(temp.File("r.cfg")).Method);
        var e = Assert.Throws<RecipeException>(() => RecipeFile.Load(temp.File("r.txt")));
        Assert.Contains("unknown recipe format '.txt'", e.Message);
        var missing = Assert.Throws<RecipeException>(() => RecipeFile.Load(temp.File("none.yaml")));
        Assert.Contains("none.yaml: cannot be read", missing.Message);
    }
}
