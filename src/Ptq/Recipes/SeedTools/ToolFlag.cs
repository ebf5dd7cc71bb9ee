namespace Ptq.Recipes;

/// <summary>How a seed tool's flag takes its value.</summary>
internal enum ToolFlagShape
{
    /// <summary>No value: given or not (Distiller's <c>--qe-per-channel</c>).</summary>
    Switch,

    /// <summary>One value (Bolt's <c>-c 2.5</c>).</summary>
    Value,

    /// <summary>Any number of values after the flag (Distiller's <c>--qe-no-clip-layers fc conv1</c>).</summary>
    Values,
}

/// <summary>
/// A flag of a seed tool's command line as its documentation spells it, and what the front end does with it: honour it
/// (through the option table's <see cref="ToolSpelling"/> or in the front end's own code) or refuse it with
/// <see cref="Refusal"/>, which says why and what is closest.
/// </summary>
/// <param name="Name">The flag as the tool's documentation writes it first, e.g. <c>-p</c> or <c>--qe-mode</c>.</param>
/// <param name="Aliases">Its other spellings, e.g. <c>--proto</c> or <c>--qem</c>.</param>
/// <param name="Shape">How it takes its value.</param>
/// <param name="Placeholder">The value's placeholder in help, e.g. <c>0|2</c>; null for a switch.</param>
/// <param name="Description">One line saying what the flag does here.</param>
internal sealed record ToolFlag(string Name, IReadOnlyList<string> Aliases, ToolFlagShape Shape, string? Placeholder, string Description)
{
    /// <summary>Why the front end refuses the flag and what is closest; null for a flag it honours.</summary>
    public string? Refusal { get; init; }

    /// <summary>
    /// What Ptq calls a flag the option table does not spell (the model argument, the output name, <c>-V</c>), for the
    /// migration guides; null for flags the table spells or the front end refuses.
    /// </summary>
    public string? Counterpart { get; init; }

    /// <summary>True when the flag must be given.</summary>
    public bool Required { get; init; }
}
