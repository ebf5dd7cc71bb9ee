namespace Ptq.Recipes;

/// <summary>What an option is about. Help and the recipe reference list options by group, in this order.</summary>
internal enum OptionGroup
{
    /// <summary>Where samples and statistics come from and how their files are read.</summary>
    Data,

    /// <summary>How image files become tensors.</summary>
    Preprocessing,

    /// <summary>What is quantized, and how.</summary>
    Quantization,

    /// <summary>Output targets, the accuracy guard and the searches that meet them.</summary>
    Search,

    /// <summary>What is written.</summary>
    Output,

    /// <summary>Logging and reports.</summary>
    Diagnostics,
}

/// <summary>How an option takes its value, on a command line and in a recipe file.</summary>
internal enum OptionShape
{
    /// <summary>One value: <c>--mode weight-only</c>, <c>mode: weight-only</c>.</summary>
    Scalar,

    /// <summary>Any number of values: <c>--skip a b</c> or <c>--skip a --skip b</c>, <c>skip: [a, b]</c>. Given values replace the baseline's list.</summary>
    List,

    /// <summary>true or false; the flag alone means true: <c>--cle</c>, <c>--fold-bn false</c>, <c>cle: true</c>.</summary>
    Switch,
}
