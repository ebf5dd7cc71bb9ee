using System.CommandLine;
using System.Runtime.CompilerServices;
using Ptq.Recipes;

namespace Ptq.Cli.Help;

/// <summary>The headings help lists a command's options under, in this order.</summary>
internal enum HelpSection
{
    /// <summary>Models, data and the files they are read from.</summary>
    Input,

    /// <summary>How image files become tensors.</summary>
    Preprocessing,

    /// <summary>What is quantized and how.</summary>
    Quantization,

    /// <summary>Targets, the accuracy guard and searches.</summary>
    Search,

    /// <summary>What is written.</summary>
    Output,

    /// <summary>How ONNX Runtime runs and is timed.</summary>
    Runtime,

    /// <summary>Logging and help.</summary>
    Diagnostics,
}

/// <summary>Assigns options to <see cref="HelpSection"/>s; table options follow their <see cref="OptionGroup"/>.</summary>
internal static class HelpSections
{
    private static readonly ConditionalWeakTable<Option, object> Sections = new();

    /// <summary>Lists <paramref name="option"/> under <paramref name="section"/> in help; returns the option.</summary>
    public static T In<T>(this T option, HelpSection section) where T : Option
    {
        Sections.AddOrUpdate(option, section);
        return option;
    }

    /// <summary>The section of a table option's group.</summary>
    public static HelpSection Of(OptionGroup group) => group switch
    {
        OptionGroup.Data => HelpSection.Input,
        OptionGroup.Preprocessing => HelpSection.Preprocessing,
        OptionGroup.Quantization => HelpSection.Quantization,
        OptionGroup.Search => HelpSection.Search,
        OptionGroup.Output => HelpSection.Output,
        _ => HelpSection.Diagnostics,
    };

    /// <summary>The section <paramref name="option"/> was put in, or null.</summary>
    public static HelpSection? Of(Option option) => Sections.TryGetValue(option, out object? section) ? (HelpSection)section : null;

    /// <summary>The heading of <paramref name="section"/>.</summary>
    public static string Heading(HelpSection section) => section switch
    {
        HelpSection.Input => "Input and data",
        HelpSection.Preprocessing => "Preprocessing (image files)",
        HelpSection.Quantization => "Quantization",
        HelpSection.Search => "Search and accuracy",
        HelpSection.Output => "Output",
        HelpSection.Runtime => "ONNX Runtime",
        _ => "Diagnostics",
    };
}
