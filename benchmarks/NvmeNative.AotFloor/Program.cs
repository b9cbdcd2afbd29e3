// One line on stdout through the cheapest route .NET has (the raw stream: no TextWriter, no encoder), then exit.
using var stdout = Console.OpenStandardOutput();
stdout.Write("nvmenative-aot-floor\n"u8);
return 0;
