using Ptq.Data;

namespace Ptq.Recipes;

internal static partial class RecipeOptions
{
    /// <summary>Adds <paramref name="option"/> to <see cref="All"/>, in declaration order.</summary>
    private static RecipeOption Declare(RecipeOption option)
    {
        Declared.Add(option);
        return option;
    }

    /// <summary>An option of the recipe itself, of type <typeparamref name="T"/>.</summary>
    private static RecipeOption Setting<T>(string key, OptionGroup group, ValueCodec<T> codec,
        Func<QuantizationRecipe, T> get, Func<QuantizationRecipe, T, QuantizationRecipe> set, string description, RecipeOption.Extras? extras = null)
    {
        var x = extras ?? new RecipeOption.Extras();
        return Declare(new RecipeOption(new RecipeOption.Definition(key, group, codec.Shape, x.Placeholder ?? codec.Placeholder, description, codec.Values, x)
        {
            AcceptsNull = x.AcceptsNull ?? codec.AcceptsNull,
            JoinsSequence = codec.JoinsSequence,
            Apply = (target, values, self) => target.Recipe = set(target.Recipe, values is null ? get(QuantizationRecipe.Default) : codec.Parse(values, self)),
            Format = r => codec.Format(get(r)),
            NotImplemented = NotImplemented(x, r => codec.Format(get(r)), r => codec.NotImplemented(get(r))),
        }));
    }

    /// <summary>A PREPROCESSING option: laid over the baseline's preprocessing with the rest of its layer (<see cref="RecipeBuilder"/>).</summary>
    private static RecipeOption Preprocessing<T>(string key, ValueCodec<T> codec,
        Func<ImagePreprocessing, T> get, Action<PreprocessingBuilder, T> set, string description, RecipeOption.Extras? extras = null)
    {
        var x = (extras ?? new RecipeOption.Extras()) with { ReadsSamples = true };
        return Declare(new RecipeOption(new RecipeOption.Definition(key, OptionGroup.Preprocessing, codec.Shape, x.Placeholder ?? codec.Placeholder, description, codec.Values, x)
        {
            AcceptsNull = x.AcceptsNull ?? codec.AcceptsNull,
            JoinsSequence = codec.JoinsSequence,
            Apply = (target, values, self) => set(target.Preprocessing, values is null ? default! : codec.Parse(values, self)),
            Format = r => codec.Format(get(r.Preprocessing)),
            NotImplemented = NotImplemented(x, r => codec.Format(get(r.Preprocessing)), _ => false),
        }));
    }

    /// <summary>A tool's spelling whose values translate one to one: (theirs, ours) pairs.</summary>
    private static ToolSpelling Mapped(SeedTool tool, string name, params (string Theirs, string Ours)[] pairs) =>
        new(tool, name, [.. pairs.Select(p => new KeyValuePair<string, string>(p.Theirs, p.Ours))]);

    /// <summary>A recipe key whose value is a structured mapping, bound and written by the recipe readers and writer.</summary>
    private static RecipeOption Mapping(string key, OptionGroup group, string description, RecipeOption.Extras extras) =>
        Declare(new RecipeOption(new RecipeOption.Definition(key, group, OptionShape.Scalar, extras.Placeholder, description, [], extras with { HasFlag = false })
        {
            Format = _ => null,
            NotImplemented = _ => false,
        }));

    // Not yet: the whole option when set to anything but its default, a value marked so, or a combination the entry names.
    private static Func<QuantizationRecipe, bool> NotImplemented(RecipeOption.Extras x, Func<QuantizationRecipe, string?> format, Func<QuantizationRecipe, bool> value) =>
        r => (!x.Implemented && format(r) != format(QuantizationRecipe.Default)) || value(r) || (x.NotYet?.Invoke(r) ?? false);
}
