using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NvmeNative.Benchmarks.OsBrick;

/// <summary>
/// os-brick itself: Debian's python3-os-brick in one long-lived Python process (<c>osbrick_harness.py</c>), driven one
/// JSON command per line. Each answer carries the time the os-brick call took inside Python (import, interpreter
/// start and the JSON exchange excluded), kept in <see cref="LastSeconds"/>. The harness applies the upstream fix of
/// os-brick 6.1.0's controller-matching bug #2035811 (see the script's header).
/// </summary>
internal sealed class OsBrickHarness : IDisposable
{
    private const string Python = "/usr/bin/python3"; // Debian's interpreter: python3-os-brick lives in its dist-packages
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    public OsBrickHarness()
    {
        string script = Path.Combine(AppContext.BaseDirectory, "OsBrick", "osbrick_harness.py");
        if (!File.Exists(script))
            throw new FileNotFoundException("the os-brick harness script is not next to the benchmarks", script);
        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1"; // the lab's root is read-only
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Python}");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_stderr)
            {
                if (_stderr.Length > 64 * 1024)
                    _stderr.Remove(0, _stderr.Length / 2);
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        var ready = ReadReply("start-up");
        if (ready["ready"]?.GetValue<bool>() != true)
            throw new InvalidOperationException($"os-brick harness did not start: {ready.ToJsonString()}");
        Description = $"os-brick {ready["os_brick"]} (python {ready["python"]}, privsep {ready["privsep"]}; {ready["fix"]})";
        Console.WriteLine($"// {Description}");
        Lab.Notes.Set("os-brick", Description);
    }

    /// <summary>What runs: os-brick's version, Python's, the privsep mode and the fix applied.</summary>
    public string Description { get; }

    /// <summary>Seconds the last command's os-brick call took inside Python.</summary>
    public double LastSeconds { get; private set; }

    /// <summary><c>connect_volume(props)</c>: returns the device path.</summary>
    public string Connect(string propertiesJson)
    {
        var reply = Send(new JsonObject { ["op"] = "connect", ["props"] = JsonNode.Parse(propertiesJson) });
        return reply["result"]?["path"]?.GetValue<string>() ?? throw new InvalidOperationException($"connect_volume returned no path: {reply.ToJsonString()}");
    }

    /// <summary><c>disconnect_volume(props, {"path": device})</c>.</summary>
    public void Disconnect(string propertiesJson, string device) =>
        Send(new JsonObject { ["op"] = "disconnect", ["props"] = JsonNode.Parse(propertiesJson), ["device_info"] = new JsonObject { ["path"] = device } });

    /// <summary>os-brick's lookup of an attached volume (the controller scan and one find_device look), <paramref name="repeat"/> times.</summary>
    public string? Lookup(string propertiesJson, int repeat = 1)
    {
        var reply = Send(new JsonObject { ["op"] = "lookup", ["props"] = JsonNode.Parse(propertiesJson), ["repeat"] = repeat });
        return reply["result"]?.GetValue<string>();
    }

    private JsonNode Send(JsonObject command)
    {
        _process.StandardInput.WriteLine(command.ToJsonString());
        _process.StandardInput.Flush();
        var reply = ReadReply(command["op"]!.GetValue<string>());
        if (reply["ok"]?.GetValue<bool>() != true)
            throw new InvalidOperationException($"os-brick {command["op"]} failed: {reply["error"]}\n{reply["traceback"]}");
        LastSeconds = reply["seconds"]!.GetValue<double>();
        return reply;
    }

    private JsonNode ReadReply(string what)
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(ReplyTimeout) || line.Result is null)
            throw new InvalidOperationException($"os-brick harness gave no answer to {what} (exited: {_process.HasExited}); stderr: {Stderr()}");
        try
        {
            return JsonNode.Parse(line.Result) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"os-brick harness answered '{line.Result}' to {what}; stderr: {Stderr()}", e);
        }
    }

    private string Stderr()
    {
        lock (_stderr)
            return _stderr.ToString();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("""{"op": "quit"}""");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
                    _process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
