using Ptq.Cli;

return await PtqCli.RunAsync(args, CliConsole.FromSystemConsole()).ConfigureAwait(false);
