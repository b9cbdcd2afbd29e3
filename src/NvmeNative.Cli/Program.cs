using NvmeNative.Cli;

using var signals = SignalCancellation.Listen();
return CliApp.Run(args, new CliConsole(Console.In, Console.Out, Console.Error, StderrIsTerminal: !Console.IsErrorRedirected), options: null, signals);
