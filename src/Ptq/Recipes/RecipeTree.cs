namespace Ptq.Recipes;

/// <summary>
/// A parsed recipe document independent of its syntax (YAML or JSON), so one binder maps keys onto the recipe.
/// <see cref="Where"/> locates the node for messages, e.g. <c>line 3</c> (empty when the syntax gives no position).
/// </summary>
internal abstract record RecipeNode(string Where);

/// <summary>A scalar as written (numbers and booleans as their text); null for YAML <c>~</c>/<c>null</c> and JSON null.</summary>
internal sealed record RecipeScalar(string? Text, string Where) : RecipeNode(Where);

/// <summary>A sequence of nodes.</summary>
internal sealed record RecipeSequence(IReadOnlyList<RecipeNode> Items, string Where) : RecipeNode(Where);

/// <summary>A mapping with string keys in document order.</summary>
internal sealed record RecipeMapping(IReadOnlyList<KeyValuePair<string, RecipeNode>> Entries, string Where) : RecipeNode(Where);
