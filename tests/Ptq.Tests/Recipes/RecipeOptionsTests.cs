using System.Reflection;
using System.Text.RegularExpressions;
using Ptq.Data;
using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

/// <summary>The option table: one entry per recipe setting, self-consistent declarations, defaults rendered from the recipe.</summary>
public sealed partial class RecipeOptionsTests
{
    [Fact]
    public void Every_setting_of_the_recipe_and_of_its_preprocessing_is_declared_once()
    {
        var settings = typeof(QuantizationRecipe).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null && p.Name != nameof(QuantizationRecipe.Preprocessing))
            .Select(p => Kebab(p.Name))
            .Concat(typeof(ImagePreprocessing).GetConstructors().Single(c => c.GetParameters().Length > 1).GetParameters().Select(p => Kebab(p.Name!)))
            .Order()
            .ToArray();

        Assert.Equal(settings, RecipeOptions.All.Select(o => o.Key).Order());
        Assert.Equal(RecipeOptions.All.Count, RecipeOptions.All.Select(o => o.Key).Distinct().Count());
    }

    [Fact]
    public void Options_are_listed_by_group_and_found_by_key()
    {
        var groups = RecipeOptions.All.Select(o => o.Group).ToArray();

        Assert.Equal(groups.Order(), groups);
        Assert.All(RecipeOptions.All, o => Assert.Same(o, RecipeOptions.Find(o.Key)));
        Assert.Null(RecipeOptions.Find("act-bit"));
    }

    [Fact]
    public void Descriptions_are_one_sentence_without_defaults_and_mention_only_real_flags()
    {
        foreach (var option in RecipeOptions.All)
        {
            Assert.EndsWith(".", option.Description, StringComparison.Ordinal);
            Assert.DoesNotContain("(default", option.Description, StringComparison.Ordinal);
            Assert.DoesNotContain("\n", option.Description, StringComparison.Ordinal);
            foreach (Match mention in FlagMention().Matches(option.Description))
                Assert.True(RecipeOptions.Find(mention.Groups[1].Value) is { HasFlag: true }, $"{option.Key} mentions {mention.Value}, which is no flag");
        }
        Assert.Equal("The percentile method percentile keeps, in (50, 100].", RecipeOptions.Percentile.DescriptionIn(OptionSpelling.Keys));
        Assert.Equal("The percentile --method percentile keeps, in (50, 100].", RecipeOptions.Percentile.DescriptionIn(OptionSpelling.Flags));
    }

    [Fact]
    public void Defaults_shown_in_help_are_rendered_from_the_default_recipe()
    {
        Assert.Equal("full", RecipeOptions.Mode.DefaultText);
        Assert.Equal("99.99", RecipeOptions.Percentile.DefaultText);
        Assert.Equal("178956970", RecipeOptions.MaxImagePixels.DefaultText);
        Assert.Equal("true", RecipeOptions.FoldBn.DefaultText);
        Assert.Equal("RGB", RecipeOptions.Color.DefaultText);
        // Unset options say what unset means; switches that are off and empty lists say nothing.
        Assert.Equal("8", RecipeOptions.ActBits.DefaultText);
        Assert.Equal("0.995", RecipeOptions.AccuracyGuard.DefaultText);
        Assert.Null(RecipeOptions.Cle.DefaultText);
        Assert.Null(RecipeOptions.Skip.DefaultText);
        Assert.Null(RecipeOptions.Clip.DefaultText);
    }

    [Fact]
    public void Help_offers_only_implemented_values_and_options()
    {
        Assert.Equal(["minmax", "mse", "admm", "gptq", "adaround", "hqq", "awq"], RecipeOptions.WeightMethod.Values);
        Assert.Equal("METHOD", RecipeOptions.WeightMethod.Placeholder);
        Assert.False(RecipeOptions.MaxDrop.Implemented);
        Assert.True(RecipeOptions.MaxDrop.HasFlag);
        Assert.False(RecipeOptions.NStd.HasFlag);
        Assert.Null(RecipeOptions.NStd.Flag);
        Assert.Equal("--act-bits", RecipeOptions.ActBits.Flag);
    }

    [Fact]
    public void Apply_parses_a_value_as_written_and_names_the_option_when_it_does_not_parse()
    {
        var layer = new RecipeBuilder(QuantizationRecipe.Default);
        RecipeOptions.ActBits.Apply(layer, ["mixed"]);
        RecipeOptions.Skip.Apply(layer, ["conv1", "fc.*"]);
        RecipeOptions.Mean.Apply(layer, ["1,2,3"]);
        RecipeOptions.Std.Apply(layer, ["4"]);
        var recipe = layer.Build();

        Assert.True(recipe.IsMixedActBits);
        Assert.Equal(["conv1", "fc.*"], recipe.Skip);
        Assert.Equal([1f, 2f, 3f], recipe.Preprocessing.Mean);
        var e = Assert.Throws<RecipeException>(() => RecipeOptions.Percentile.Apply(layer, ["high"]));
        Assert.Equal("percentile", e.Key);
        Assert.Equal("percentile: 'high' is not a finite number.", e.Message);
        Assert.Equal("--percentile: 'high' is not a finite number.", e.MessageIn(OptionSpelling.Flags));
        Assert.Throws<RecipeException>(() => RecipeOptions.Mode.Apply(layer, null));
        Assert.Throws<InvalidOperationException>(() => RecipeOptions.Overrides.Apply(layer, ["x"]));
    }

    [Fact]
    public void Spellings_of_other_tools_are_data_the_front_ends_can_read()
    {
        Assert.Contains(new ToolSpelling(SeedTool.Bolt, "-c"), RecipeOptions.Clip.Spellings);
        Assert.Contains(RecipeOptions.Method.Spellings, s => s.Tool == SeedTool.Tnn && s.Name == "-b");
        Assert.Contains(RecipeOptions.Skip.Spellings, s => s.Tool == SeedTool.MindSporeLite && s.Name == "skip_quant_node");
        Assert.All(RecipeOptions.All.SelectMany(o => o.Spellings), s => Assert.False(string.IsNullOrWhiteSpace(s.Name)));
    }

    // ActBits → act-bits, NStd → n-std.
    private static string Kebab(string name) => KebabBoundary().Replace(name, "-").ToLowerInvariant();

    [GeneratedRegex("(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex KebabBoundary();

    [GeneratedRegex(@"(?<![\w-])--([a-z0-9][a-z0-9-]*)")]
    private static partial Regex FlagMention();
}
