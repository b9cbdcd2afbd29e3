using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using NvmeNative.Diagnostics;

namespace NvmeNative.TestSupport;

/// <summary>
/// Listens to NvmeNative's activity source and meter for one test: the activities of the trace it starts (other tests
/// running at the same time have their own traces) and every measurement (so the tests that read measurements must run
/// alone). Shared by the unit tests and the kernel tests.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private static readonly ActivitySource TestSource = new("NvmeNative.Tests.Telemetry");
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly Activity _root;

    internal TelemetryCapture(Action<Activity>? onStart = null)
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name is Telemetry.SourceName or "NvmeNative.Tests.Telemetry",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a =>
            {
                if (a.TraceId == _root?.TraceId)
                    onStart?.Invoke(a);
            },
            ActivityStopped = a => _stopped.Enqueue(a),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Telemetry.SourceName)
                listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Measurements.Enqueue((i.Name, v, tags.ToArray())));
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Measurements.Enqueue((i.Name, v, tags.ToArray())));
        _meters.Start();
        _root = TestSource.StartActivity("test")!;
    }

    internal ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Measurements { get; } = new();

    /// <summary>The library's activities of this test's trace that have ended, in the order they started.</summary>
    internal List<Activity> Activities =>
        [.. _stopped.Where(a => a.TraceId == _root.TraceId && a.Source.Name == Telemetry.SourceName).OrderBy(a => a.StartTimeUtc)];

    internal List<Activity> Named(string name) => Activities.Where(a => a.OperationName == name).ToList();

    internal List<Activity> ChildrenOf(Activity parent) => Activities.Where(a => a.ParentSpanId == parent.SpanId).ToList();

    internal double Sum(string instrument) => Measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

    /// <summary>
    /// The children of every activity neither overlap each other nor leave their parent; only replica legs
    /// (<c>nvmenative.replica</c>, which a replicated detach runs side by side) may overlap each other.
    /// </summary>
    internal void AssertPhasesNest()
    {
        var all = Activities;
        foreach (var parent in all.Append(_root))
        {
            var children = all.Where(a => a.ParentSpanId == parent.SpanId).OrderBy(a => a.StartTimeUtc).ToList();
            for (int i = 0; i < children.Count; i++)
            {
                var child = children[i];
                if (parent != _root)
                {
                    Assert.True(child.StartTimeUtc >= parent.StartTimeUtc, $"{child.OperationName} starts before its parent {parent.OperationName}");
                    Assert.True(child.StartTimeUtc + child.Duration <= parent.StartTimeUtc + parent.Duration + TimeSpan.FromTicks(1),
                        $"{child.OperationName} ends after its parent {parent.OperationName}");
                }
                foreach (var before in children.Take(i))
                {
                    if (before.OperationName == Telemetry.Activities.Replica && child.OperationName == Telemetry.Activities.Replica)
                        continue;
                    Assert.True(before.StartTimeUtc + before.Duration <= child.StartTimeUtc + TimeSpan.FromTicks(1),
                        $"{before.OperationName} and {child.OperationName} overlap under {parent.OperationName}");
                }
            }
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _activities.Dispose();
        _meters.Dispose();
    }
}
