using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Onnx;

namespace Ptq.Cli.Options;

/// <summary>
/// The <c>--external-data-root DIR</c> option of the commands that load models: the folder external data files may
/// lie in when it is not the model's own folder (by default a model may read only files below its folder).
/// </summary>
internal sealed class ExternalDataRootOption
{
    public Option<string?> Root { get; } = new Option<string?>("--external-data-root")
    {
        HelpName = "DIR",
        Description = "Allow the model's external data files to lie anywhere inside DIR (default: only inside the model's folder).",
    }.In(HelpSection.Input);

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(Root);

    /// <summary>Loads <paramref name="path"/> with the option's root.</summary>
    public OnnxModel Load(ParseResult result, string path) =>
        ModelIO.Load(path, new ModelLoadOptions { ExternalDataRoot = result.GetValue(Root) });
}
