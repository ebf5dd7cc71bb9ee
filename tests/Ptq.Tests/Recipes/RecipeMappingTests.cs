using Ptq.Calibration;
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
}
