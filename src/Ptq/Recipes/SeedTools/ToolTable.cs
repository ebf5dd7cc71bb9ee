namespace Ptq.Recipes;

/// <summary>
/// The front ends' way into the option table: a tool's flag is found by its <see cref="ToolSpelling"/> and applied
/// through the option's own parser, its value translated by <see cref="ToolSpelling.Map"/>, so the migration tables
/// generated from the table and the front ends say the same.
/// </summary>
internal static class ToolTable
{
    /// <summary>Every option the table spells <paramref name="name"/> for <paramref name="tool"/>, with that spelling.</summary>
    public static IReadOnlyList<(RecipeOption Option, ToolSpelling Spelling)> Find(SeedTool tool, string name) =>
        [.. RecipeOptions.All.SelectMany(o => o.Spellings.Where(s => s.Tool == tool && s.Name == name).Select(s => (o, s)))];

    /// <summary>
    /// Sets every option the table spells <paramref name="name"/> for <paramref name="tool"/> from the tool's
    /// <paramref name="value"/>, translated by the spelling's map when it has one.
    /// </summary>
    /// <exception cref="ToolFlagException">A value the map or the option's parser refuses; names the tool's flag.</exception>
    /// <exception cref="InvalidOperationException">The table has no such spelling (a front end out of step with the table).</exception>
    public static void Apply(RecipeBuilder target, string command, SeedTool tool, string name, string value)
    {
        var found = Find(tool, name);
        if (found.Count == 0)
            throw new InvalidOperationException($"The option table has no {tool} spelling '{name}'.");
        foreach (var (option, spelling) in found)
        {
            string ours = spelling.Map.Count == 0 ? value
                : spelling.Map.FirstOrDefault(p => p.Key == value).Value
                  ?? spelling.Map.FirstOrDefault(p => string.Equals(p.Key, value, StringComparison.OrdinalIgnoreCase)).Value
                  ?? throw new ToolFlagException(command, $"{name} {value}",
                      $"expected one of {string.Join(", ", spelling.Map.Select(p => p.Key))} ({spelling.Values})");
            try
            {
                option.Apply(target, [ours]);
            }
            catch (SettingException e)
            {
                throw new ToolFlagException(command, $"{name} {value}", e.MessageIn(OptionSpelling.Flags), e);
            }
        }
    }
}
