using System.CommandLine;
using System.CommandLine.Help; // HelpAction: what the parser recognises as a help request

namespace NvmeNative.Cli;

/// <summary>
/// The command tree of <c>nvmenative</c>: every command, argument and option with the text its help shows. The
/// README's CLI reference is this tree's help (a unit test keeps them equal), so what is described here is the contract.
/// Built without actions: <see cref="CliApp"/> dispatches on the parsed command, so building the tree costs no
/// closures, reflection or I/O.
/// </summary>
internal sealed class CliCommands
{
    internal const string Name = "nvmenative";

    internal const string StateStoreVariable = "NVMENATIVE_STATE_STORE";

    internal Command Root { get; }

    internal Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log what was done (controllers connected, reused, rolled back, deleted) on stderr.",
        Recursive = true,
    };

    internal Option<bool> Debug { get; } = new("-vv")
    {
        Description = "Log debug lines too, and each phase of the work as it starts and ends; an unexpected error adds its stack trace.",
        Recursive = true,
    };

    // Help and version are plain options with System.CommandLine's help action and ours, not its HelpOption and
    // VersionOption: those read their descriptions from the package's ResourceManager when constructed, which is
    // reflection over embedded resources at every start (about 40 of the binary's 300 page faults), whatever the
    // command. Help text is laid out by HelpText (its HelpBuilder would read the same resources for its headings).
    internal Option<bool> Help { get; } = new("--help", "-h", "-?")
    {
        Description = "Show help and usage information",
        Recursive = true,
        Arity = ArgumentArity.Zero,
        Action = new HelpAction(),
    };

    internal Option<bool> Version { get; } = new("--version")
    {
        Description = "Show version information",
        Arity = ArgumentArity.Zero,
        Action = new VersionAction(),
    };

    internal Command Attach { get; } = new("attach",
        OneLine("""
        Attach a volume. Prints {"type":"block","path":"/dev/nvme0n1"}; a replicated volume adds "action"
        (created/assembled/adopted), "degraded", "md_device", "md_uuid", "start_rule", "left_out" (index,
        target_nqn, namespace, reason, detail, re_added), "assembly_left_out" (member, reason, detail), "unreachable",
        "resyncing" and "record_warning".
        """));

    internal Command Detach { get; } = new("detach",
        OneLine("""
        Flush and detach a volume.
        Prints {"path":...,"deleted_controllers":[...],"kept_controllers":[...],"ignored_errors":[...]}.
        """));

    internal Command Paths { get; } = new("paths", """The volume's device paths, as a JSON array: ["/dev/nvme0n1"].""");

    internal Command Extend { get; } = new("extend",
        """Make this host see a volume grown on the target. Prints {"size":BYTES}.""");

    internal Command ConnectorProperties { get; } = new("connector-properties",
        OneLine("""
        This host's connector properties (os-brick keys):
        {"nqn":...,"nvme_hostid":...,"uuid":...,"system uuid":...,"nvme_native_multipath":true}.
        """));

    internal Command List { get; } = new("list", "NVMe subsystems, controllers (transport, address, state) and namespaces.");

    internal Command Watch { get; } = new("watch",
        OneLine("""
        Watch replicated volumes until SIGINT or SIGTERM, then exit 0: one line per event (member faulty,
        path lost, re-added, rebuild, degraded, ...), written to the replica-state record as it happens.
        """));

    internal Argument<string> Props { get; } = new("PROPS")
    {
        Description = "A file holding os-brick connection_properties JSON, or - for standard input.",
    };

    internal Option<bool> Force { get; } = new("--force")
    {
        Description = "Start a replicated volume even when the replicas reached cannot be proven current (allow_stale_start).",
    };

    internal Option<bool> Takeover { get; } = new("--takeover")
    {
        Description = "Attach a volume the replica-state record says another host holds (allow_takeover).",
    };

    internal Option<string> DeviceInfo { get; } = new("--device-info")
    {
        Description = """os-brick's device_info as JSON, such as {"path":"/dev/nvme0n1"}.""",
        HelpName = "JSON",
    };

    internal Option<bool> DetachForce { get; } = new("--force")
    {
        Description = "Delete the controllers even when the flush failed (unwritten data may be lost).",
    };

    internal Option<bool> IgnoreErrors { get; } = new("--ignore-errors")
    {
        Description = "Exit 0 when something failed; the errors are listed in \"ignored_errors\".",
    };

    internal Option<string> StateStore { get; } = new("--state-store")
    {
        Description = $"Where replica-state records are kept: file:DIR (default file:/var/lib/nvmenative/replicas) or " +
            $"etcd:http://HOST:PORT[?prefix=/nvmenative]. Default: ${StateStoreVariable}, else the file store.",
        HelpName = "URI",
    };

    internal Option<bool> Json { get; } = new("--json") { Description = "One JSON value (list) or one JSON object per line (watch)." };

    internal Option<bool> Heal { get; } = new("--heal")
    {
        Description = "Re-add a failed replica when it is reachable again (a full rebuild when md will not re-add it).",
    };

    internal Option<string> OnEvent { get; } = new("--on-event")
    {
        Description = "Run CMD (sh -c) per event with its JSON on stdin and its kind in $NVMENATIVE_EVENT; retried on failure, never blocking the watch.",
        HelpName = "CMD",
    };

    internal CliCommands()
    {
        Root = new Command(Name,
            OneLine("""
            Attach NVMe-over-Fabrics volumes (and md RAID1 replicas) from os-brick connection properties, without
            nvme-cli or mdadm. Exit status: 0 success (one JSON value on stdout), 2 invalid input (one line on
            stderr, nothing changed), 1 the operation failed (after its rollback; one line on stderr), 130/143
            cancelled by SIGINT/SIGTERM (after its rollback). @FILE reads arguments from FILE; -- ends the options.
            """))
        {
            Verbose,
            Debug,
            Help,
            Version,
        };
        Attach.Add(Props);
        Attach.Add(Force);
        Attach.Add(Takeover);
        Attach.Add(StateStore);
        Detach.Add(Props);
        Detach.Add(DeviceInfo);
        Detach.Add(DetachForce);
        Detach.Add(IgnoreErrors);
        Detach.Add(StateStore);
        Paths.Add(Props);
        Paths.Add(StateStore);
        Extend.Add(Props);
        Extend.Add(StateStore);
        List.Add(Json);
        Watch.Add(Json);
        Watch.Add(Heal);
        Watch.Add(OnEvent);
        Watch.Add(StateStore);
        foreach (var command in (Command[])[Attach, Detach, Paths, Extend, ConnectorProperties, List, Watch])
            Root.Add(command);
    }

    // Descriptions are written over several lines here; help wraps them to the terminal itself.
    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Every command, the root first: what <c>--help</c> describes, in order.</summary>
    internal IEnumerable<Command> All => [Root, .. Root.Subcommands];

    /// <summary>
    /// Writes <paramref name="command"/>'s help as <c>--help</c> does, at <paramref name="width"/> columns (by
    /// default the terminal's, when the output is one).
    /// </summary>
    internal static void WriteHelp(Command command, TextWriter output, int? width = null) =>
        output.Write(HelpText.Of(command, width ?? HelpText.WidthFor(output)));

    /// <summary>The help text of every command at a fixed width, as the README's CLI reference shows it.</summary>
    internal string Reference(int width = 110)
    {
        var text = new StringWriter { NewLine = "\n" };
        foreach (var command in All)
        {
            text.WriteLine(command == Root ? "$ nvmenative --help" : $"$ nvmenative {command.Name} --help");
            var help = new StringWriter { NewLine = "\n" };
            WriteHelp(command, help, width);
            foreach (string line in help.ToString().ReplaceLineEndings("\n").Split('\n')[..^1])
                text.WriteLine(line.TrimEnd()); // help pads its columns; the README keeps no trailing blanks
        }
        return text.ToString();
    }
}
