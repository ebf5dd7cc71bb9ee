using Ptq.Calibration;
using Ptq.Quantization;
using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

public sealed class RecipeMappingTests
{
    [Fact]
    public void Clipping_keys_reach_the_quantizer_settings()
    {
        var recipe = RecipeYamlReader.Parse("net-aware-clip: true\nconcat-shared-scale: false\nno-clip: [\"conv1\", \"fc.*\"]\noverrides:\n  \"conv1\": {weight-bits: 4}\n");
        var settings = recipe.ToStaticSettings();
        Assert.True(settings.NetAwareClipping);
        Assert.False(settings.ConcatSharedScale);
        // The explicit override comes first; no-clip adds min/max ranges per pattern (settings merge field by field).
        Assert.Equal(["conv1", "conv1", "fc.*"], settings.Overrides.Select(o => o.Pattern));
        Assert.Equal(4, settings.Overrides[0].Weights!.Value.Bits);
        Assert.All(settings.Overrides.Skip(1), o => Assert.Equal(CalibrationMethod.MinMax, o.Method));
        Assert.Equal(recipe, RecipeYamlReader.Parse(RecipeYamlWriter.Write(recipe)));
    }

    [Fact]
    public void Empirical_bias_correction_is_a_recipe_key_and_off_by_default()
    {
        Assert.False(QuantizationRecipe.Default.ToStaticSettings().EmpiricalBiasCorrection);
        var recipe = RecipeYamlReader.Parse("empirical-bias-correction: true\n");
        Assert.True(recipe.ToStaticSettings().EmpiricalBiasCorrection);
        Assert.Equal(recipe, RecipeYamlReader.Parse(RecipeYamlWriter.Write(recipe)));
    }

    /// <summary>Act-order is off unless asked for, except in the mixed 4/8 weight search; an explicit false is kept there.</summary>
    [Fact]
    public void Act_order_is_the_mixed_weight_searchs_default()
    {
        var gptq = QuantizationRecipe.Default with { WeightBits = 4, WeightMethod = WeightMethod.Gptq };
        Assert.False(gptq.ToStaticSettings(hasData: true).Reconstruction.ActOrder);
        Assert.True((gptq with { ActOrder = true }).ToStaticSettings(hasData: true).Reconstruction.ActOrder);
        var mixed = gptq with { WeightBits = QuantizationRecipe.MixedBits };
        Assert.True(mixed.ToStaticSettings(hasData: true).Reconstruction.ActOrder);
        Assert.False((mixed with { ActOrder = false }).ToStaticSettings(hasData: true).Reconstruction.ActOrder);
        Assert.False((mixed with { WeightMethod = WeightMethod.AdaRound }).ToStaticSettings(hasData: true).Reconstruction.ActOrder);
    }

    /// <summary>edge-weight-bits gives the edge layers the weight scheme with their own bit width; unset, they share the global one.</summary>
    [Fact]
    public void Edge_weight_bits_map_to_the_edge_scheme()
    {
        var recipe = RecipeYamlReader.Parse("weight-bits: 4\nweight-mode: asym_u\nedge-weight-bits: 8\n").Validate();
        var settings = recipe.ToStaticSettings(hasData: true);
        Assert.Equal(settings.Weights with { Bits = 8 }, settings.EdgeWeights);
        Assert.Equal(4, settings.Weights.Bits);
        Assert.Null((recipe with { EdgeWeightBits = null }).ToStaticSettings(hasData: true).EdgeWeights);
    }

    [Fact]
    public void Block_keys_read_and_write_back()
    {
        var recipe = RecipeYamlReader.Parse("mode: weight-only\nweight-bits: 4\nweight-mode: asym_u\nweight-method: hqq\nblock-size: 64\naccuracy-level: 0\nembedding-bits: 4\n").Validate();
        Assert.Equal((64, 0, 4, WeightMethod.Hqq), (recipe.BlockSize, recipe.AccuracyLevel, recipe.EmbeddingBits, recipe.WeightMethod));
        Assert.Equal(recipe, RecipeYamlReader.Parse(RecipeYamlWriter.Write(recipe)));
        Assert.DoesNotContain("block-size", RecipeYamlWriter.Write(QuantizationRecipe.Default));
    }

    [Theory]
    [InlineData("accuracy-guard: off\n", QuantizationRecipe.AccuracyGuardOff)]
    [InlineData("accuracy-guard: OFF\n", QuantizationRecipe.AccuracyGuardOff)]
    [InlineData("accuracy-guard: 0.99\n", 0.99)]
    public void Accuracy_guard_reads_a_cosine_or_off_and_writes_it_back(string yaml, double expected)
    {
        var recipe = RecipeYamlReader.Parse(yaml).Validate();
        Assert.Equal(expected, recipe.AccuracyGuard);
        Assert.Equal(recipe, RecipeYamlReader.Parse(RecipeYamlWriter.Write(recipe)));
        Assert.DoesNotContain("accuracy-guard", RecipeYamlWriter.Write(QuantizationRecipe.Default));
    }

    [Fact]
    public void Accuracy_guard_rejects_other_words_naming_the_key()
    {
        var e = Assert.Throws<RecipeException>(() => RecipeYamlReader.Parse("accuracy-guard: maybe\n"));
        Assert.Contains("accuracy-guard 'maybe': expected an output cosine in (0, 1], e.g. 0.995, or 'off'", e.Message);
    }
}
