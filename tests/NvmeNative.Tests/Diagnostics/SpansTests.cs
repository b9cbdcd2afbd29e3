using System.Diagnostics;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.TestSupport;

namespace NvmeNative.Tests.Diagnostics;

/// <summary>What a failed span records: the error's kind and errno, never a DH-HMAC-CHAP secret, whatever carried it.</summary>
public sealed class SpansTests
{
    private const string Key = "DHHC-1:00:QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI:";
    private const string KeyBody = "QVvKMb8706hulEhCXUdil55GYr8T2T8fPg85qPQBa0TYYFaI";

    private static IEnumerable<string> Texts(Activity span) =>
        span.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(span.StatusDescription ?? "").Append(span.DisplayName);

    private static Activity Record(Exception e)
    {
        using var capture = new TelemetryCapture();
        using (var span = Spans.Start(Telemetry.Activities.FabricsConnect))
        {
            Assert.NotNull(span);
            Assert.False(span.Failed(e)); // usable in an exception filter: it records, it does not catch
        }
        return Assert.Single(capture.Named(Telemetry.Activities.FabricsConnect));
    }

    public static TheoryData<string, Exception> Failures() => new()
    {
        { "a connect refused with a secret in its option string", new FabricsConnectException(ConnectFailure.ConnectionRefused, (int)Errno.ECONNREFUSED,
            "/dev/nvme-fabrics", FabricsOptions.ForPortal(Nqn.Parse("nqn.2024-01.com.example:vol"), new Portal("127.0.0.1", 4420, Transport.Tcp),
                new HostIdentity(Nqn.Parse("nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"), NvmeUuid.Parse("11111111-2222-3333-4444-555555555555")))
            with { DhchapSecret = DhchapSecret.Parse(Key) }) },
        { "a family error whose text holds a secret", new NvmeNativeException($"kernel said {Key}", "connect", connectString: $"nqn=n,dhchap_secret={Key}") },
        { "a foreign error whose text holds a secret", new InvalidOperationException($"unexpected {Key} in reply") },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failed_span_never_carries_a_secret(string what, Exception failure)
    {
        var span = Record(failure);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(failure.GetType().Name, span.GetTagItem(Telemetry.Tags.ErrorType));
        Assert.All(Texts(span), text => Assert.DoesNotContain(KeyBody, text));
        Assert.NotNull(what);
    }

    [Fact]
    public void A_failed_span_names_the_errno_and_a_cancelled_one_says_so()
    {
        Assert.Equal("ECONNREFUSED", Record(new NvmeNativeException("refused", "connect", errno: (int)Errno.ECONNREFUSED)).GetTagItem(Telemetry.Tags.Errno));
        var cancelled = Record(new OperationCanceledException());
        Assert.Equal("cancelled", cancelled.GetTagItem(Telemetry.Tags.ErrorType));
        Assert.Null(cancelled.GetTagItem(Telemetry.Tags.Errno));
    }

    [Fact]
    public void A_phase_started_after_cancellation_ends_cancelled_before_it_changes_anything()
    {
        using var capture = new TelemetryCapture();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => Spans.StartPhase(Telemetry.Activities.SuperblockWrite, cts.Token));
        var span = Assert.Single(capture.Named(Telemetry.Activities.SuperblockWrite));
        Assert.Equal("cancelled", span.GetTagItem(Telemetry.Tags.ErrorType));
    }

    [Fact]
    public void Every_name_is_lower_case_dotted_and_unique()
    {
        var names = typeof(Telemetry.Activities).GetFields().Concat(typeof(Telemetry.Instruments).GetFields()).Concat(typeof(Telemetry.Tags).GetFields())
            .Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z_]+(\\.[a-z_]+)+$", n));
        Assert.Equal("NvmeNative", Telemetry.SourceName);
    }
}
