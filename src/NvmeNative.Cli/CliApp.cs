using System.CommandLine;
using System.CommandLine.Help;
using Microsoft.Extensions.Logging;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;

namespace NvmeNative.Cli;

/// <summary>
/// <c>nvmenative</c>: parses the arguments (<see cref="CliCommands"/>), runs one command and turns its outcome into
/// the exit status: 0 success, 2 invalid input (nothing was changed), 1 the operation failed (after its rollback),
/// 130 / 143 cancelled by SIGINT / SIGTERM (after its rollback). Every failure, an unexpected one included, is one
/// line on stderr; <c>-vv</c> adds an unexpected one's stack trace.
/// </summary>
internal static class CliApp
{
    internal const int Ok = 0;
    internal const int Failed = 1;
    internal const int Usage = 2;

    // Response files (@FILE) and -- are on by default.
    private static readonly ParserConfiguration Parser = new();

    /// <summary>The CLI as the unit tests run it: no terminal, no signals.</summary>
    internal static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, NvmeOfConnectorOptions? options = null) =>
        Run(args, new CliConsole(stdin, stdout, stderr, StderrIsTerminal: false), options, signals: null);

    internal static int Run(string[] args, CliConsole console, NvmeOfConnectorOptions? options, SignalCancellation? signals)
    {
        var commands = new CliCommands();
        var stderr = console.Stderr;
        if (args.Length == 0)
        {
            // Bare `nvmenative`: how to use it, where a script's log will show it, and not a success.
            CliCommands.WriteHelp(commands.Root, stderr);
            return Usage;
        }
        if (args[0] == "help")
            args = [.. args.AsSpan(1), "--help"];
        var parse = commands.Root.Parse(args, Parser);
        int verbosity = (parse.GetResult(commands.Verbose)?.IdentifierTokenCount ?? 0) + (parse.GetValue(commands.Debug) ? 2 : 0);
        try
        {
            // Help and version are answered here, not by invoking the parse: System.CommandLine's help action would
            // lay the help out with its HelpBuilder (HelpText says why not).
            if (parse.Action is HelpAction)
            {
                CliCommands.WriteHelp(parse.CommandResult.Command, console.Stdout);
                return Ok;
            }
            if (parse.Action is VersionAction)
            {
                console.Stdout.WriteLine(VersionAction.Version);
                return Ok;
            }
            if (parse.Errors.Count > 0)
            {
                stderr.WriteLine($"nvmenative: {UsageErrors.Describe(parse)}");
                return Usage;
            }
            return Dispatch(commands, parse, console, options, verbosity, signals?.Listen() ?? CancellationToken.None);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"nvmenative: {OneLine(e.Message)}");
            return Usage;
        }
        catch (InvalidInputException e)
        {
            stderr.WriteLine($"nvmenative: invalid input: {OneLine(e.Message)}");
            return Usage;
        }
        catch (AttachFailedException e)
        {
            string hint = e.InnerException is ReplicaStartRefusedException
                ? "; to start from these replicas anyway (data written since they fell behind is lost), attach again with --force"
                : "";
            stderr.WriteLine($"nvmenative: {OneLine(e.Message)}{Meaning(e)}{hint}");
            return Failed;
        }
        catch (NvmeNativeException e)
        {
            string hint = e is VolumeOwnedElsewhereException
                ? " (with nvmenative, the takeover is attach --takeover)"
                : "";
            stderr.WriteLine($"nvmenative: {OneLine(e.Message)}{Meaning(e)}{hint}");
            return Failed;
        }
        catch (OperationCanceledException) when (signals?.Signal is not null)
        {
            stderr.WriteLine($"nvmenative: {parse.CommandResult.Command.Name} cancelled by {signals.SignalName}; what it had done was rolled back");
            return signals.ExitCode;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("nvmenative: cancelled");
            return Failed;
        }
        catch (Exception e)
        {
            // A bug or an environment nobody foresaw: still one line and exit 1, never a stack trace or an abort.
            stderr.WriteLine($"nvmenative: unexpected error: {e.GetType().Name}: {OneLine(e.Message)}{(verbosity > 1 ? "" : " (-vv shows where)")}");
            if (verbosity > 1)
                stderr.WriteLine(e.ToString());
            return Failed;
        }
    }

    private static int Dispatch(CliCommands c, ParseResult parse, CliConsole console, NvmeOfConnectorOptions? options, int verbosity, CancellationToken cancellationToken)
    {
        var command = parse.CommandResult.Command;
        options ??= new NvmeOfConnectorOptions();
        if (verbosity > 0)
            options = options with { Logger = new StderrLogger(console.Stderr, verbosity > 1 ? LogLevel.Debug : LogLevel.Information) };
        else if (console.StderrIsTerminal && (command == c.Attach || command == c.Detach || command == c.Extend))
            options = options with { Logger = new ProgressLogger(console.Stderr) };
        using var phases = verbosity > 1 ? PhaseTrace.Start(console.Stderr) : null;
        if (command.Options.Contains(c.StateStore) && StateStore(parse.GetValue(c.StateStore)) is { } store)
            options = options with { ReplicaStateStore = store };

        if (command == c.Watch)
            return WatchCommand.Run(options, new WatchCommand.Settings(parse.GetValue(c.Json), parse.GetValue(c.Heal), parse.GetValue(c.OnEvent)),
                console.Stdout, console.Stderr, cancellationToken);
        var connector = new NvmeOfConnector(options);
        if (command == c.List)
            return ListCommand.Run(connector.Topology, parse.GetValue(c.Json), console.Stdout);
        var volumes = new VolumeCommands(connector, console.Stdin, console.Stdout, cancellationToken);
        if (command == c.ConnectorProperties)
            return volumes.ConnectorProperties();
        string props = parse.GetRequiredValue(c.Props); // every other command takes PROPS
        if (command == c.Attach)
            return volumes.Attach(props, parse.GetValue(c.Force), parse.GetValue(c.Takeover));
        if (command == c.Detach)
            return volumes.Detach(props, parse.GetValue(c.DeviceInfo), parse.GetValue(c.DetachForce), parse.GetValue(c.IgnoreErrors));
        if (command == c.Paths)
            return volumes.Paths(props);
        if (command == c.Extend)
            return volumes.Extend(props);
        throw new InvalidOperationException($"no action for command '{command.Name}'");
    }

    /// <summary>The replica-state store named by --state-store or NVMENATIVE_STATE_STORE, or null for the default file store.</summary>
    private static IReplicaStateStore? StateStore(string? option)
    {
        string? uri = option ?? Environment.GetEnvironmentVariable(CliCommands.StateStoreVariable);
        return string.IsNullOrEmpty(uri) ? null : ReplicaStateStores.Create(uri);
    }

    private static string Meaning(NvmeNativeException e) =>
        (e.InnerException as FabricsConnectException ?? e as FabricsConnectException) is { } f ? $" [{f.Meaning}]" : "";

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}

/// <summary>Where a run of the CLI reads and writes, and whether a person is watching its stderr.</summary>
internal sealed record CliConsole(TextReader Stdin, TextWriter Stdout, TextWriter Stderr, bool StderrIsTerminal);
