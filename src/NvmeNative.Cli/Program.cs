using NvmeNative.Cli;

using var signals = new SignalCancellation(handleSignals: true);
return CliApp.Run(args, new CliConsole(Console.In, Console.Out, Console.Error, StderrIsTerminal: !Console.IsErrorRedirected), options: null, signals);
