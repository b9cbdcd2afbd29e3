using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Connector.Properties;

/// <summary>The controller timeouts: the per-volume keys, their round trip, which volumes get which, and how they reach the connect string.</summary>
public sealed class ControllerTimeoutsTests
{
    private const string U = "c20aba21-6ef6-446b-b374-45733b4883ba";

    private static string Single(string extra) =>
        $$"""{"target_nqn": "nqn.t", "vol_uuid": "{{U}}", {{extra}} "portals": [["10.0.0.1", 4420, "tcp"]]}""";

    private static string Replicated(int count, string extra) =>
        $$"""{"vol_uuid": "{{U}}", "alias": "a", "replica_count": {{count}}, {{extra}} "volume_replicas": [{"target_nqn": "nqn.r0", "portals": [["10.0.0.1", 4420, "tcp"]]}]}""";

    [Fact]
    public void The_keys_parse_as_whole_seconds_with_minus_one_for_ever_and_round_trip()
    {
        var p = ConnectionProperties.Parse(Single("""
            "ctrl_loss_tmo": -1, "reconnect_delay": "2", "fast_io_fail_tmo": 0, "keep_alive_tmo": 30,
            "replica_fast_io_fail_tmo": -1, "replica_ctrl_loss_tmo": 600,
            """));

        Assert.Equal(new ControllerTimeouts
        {
            ControllerLossTimeout = Timeout.InfiniteTimeSpan,
            ReconnectDelay = TimeSpan.FromSeconds(2),
            FastIoFailTimeout = TimeSpan.Zero,
            KeepAliveTimeout = TimeSpan.FromSeconds(30),
        }, p.ControllerTimeouts);
        Assert.Equal(new ControllerTimeouts { FastIoFailTimeout = Timeout.InfiniteTimeSpan, ControllerLossTimeout = TimeSpan.FromSeconds(600) }, p.ReplicaTimeouts);
        Assert.Equal(p, ConnectionProperties.Parse(p.ToJson()));
        Assert.Null(ConnectionProperties.Parse(Single("")).ControllerTimeouts);
        Assert.Null(ConnectionProperties.Parse(Single("")).ReplicaTimeouts);
    }

    [Theory]
    [InlineData("\"reconnect_delay\": 0,", "reconnect_delay", "at least 1")]
    [InlineData("\"keep_alive_tmo\": -1,", "keep_alive_tmo", "at least 0")]
    [InlineData("\"ctrl_loss_tmo\": -2,", "ctrl_loss_tmo", "at least -1")]
    [InlineData("\"replica_fast_io_fail_tmo\": 1.5,", "replica_fast_io_fail_tmo", "whole number of seconds")]
    [InlineData("\"fast_io_fail_tmo\": \"02\",", "fast_io_fail_tmo", "whole number of seconds")]
    [InlineData("\"fast_io_fail_tmo\": true,", "fast_io_fail_tmo", "whole number of seconds")]
    [InlineData("\"keep_alive_tmo\": 4294967296,", "keep_alive_tmo", "out of range")]
    public void Bad_values_are_refused_naming_the_key(string extra, string key, string message)
    {
        var e = Assert.Throws<InvalidConnectionPropertiesException>(() => ConnectionProperties.Parse(Single(extra)));
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Replica_legs_of_a_volume_with_several_replicas_fail_fast_and_everything_else_keeps_os_bricks_waiting()
    {
        var options = new NvmeOfConnectorOptions();
        Assert.Equal(ControllerTimeouts.ReplicaLeg, AttachPlan.TimeoutsFor(options, ConnectionProperties.Parse(Replicated(2, ""))));
        Assert.Equal(ControllerTimeouts.OsBrick, AttachPlan.TimeoutsFor(options, ConnectionProperties.Parse(Replicated(1, ""))));
        Assert.Equal(ControllerTimeouts.OsBrick, AttachPlan.TimeoutsFor(options, ConnectionProperties.Parse(Single(""))));
        Assert.Equal("ctrl_loss_tmo=-1,reconnect_delay=1,fast_io_fail_tmo=0,keep_alive_tmo=1", ControllerTimeouts.ReplicaLeg.ToString());

        var overridden = AttachPlan.TimeoutsFor(options with { ReplicaLegTimeouts = ControllerTimeouts.ReplicaLeg with { KeepAliveTimeout = TimeSpan.FromSeconds(2) } },
            ConnectionProperties.Parse(Replicated(2, "\"replica_fast_io_fail_tmo\": 3, \"fast_io_fail_tmo\": 9,")));
        Assert.Equal(ControllerTimeouts.ReplicaLeg with { KeepAliveTimeout = TimeSpan.FromSeconds(2), FastIoFailTimeout = TimeSpan.FromSeconds(3) }, overridden);
        Assert.Equal(ControllerTimeouts.OsBrick with { FastIoFailTimeout = TimeSpan.FromSeconds(9) },
            AttachPlan.TimeoutsFor(options, ConnectionProperties.Parse(Single("\"fast_io_fail_tmo\": 9, \"replica_fast_io_fail_tmo\": 3,"))));
        Assert.Throws<ArgumentNullException>(() => options with { ReplicaLegTimeouts = null! });
    }

    [Fact]
    public void Applied_to_fabrics_options_they_set_the_tokens_and_an_infinite_fast_io_fail_is_not_sent()
    {
        var host = new HostIdentity(Nqn.Parse("nqn.2014-08.org.nvmexpress:uuid:" + U), NvmeUuid.Parse(U));
        var plain = FabricsOptions.ForPortal(Nqn.Parse("nqn.t"), new Portal("10.0.0.1", 4420, Transport.Tcp), host);

        var leg = ControllerTimeouts.ReplicaLeg.ApplyTo(plain);
        Assert.Equal(Timeout.InfiniteTimeSpan, leg.ControllerLossTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), leg.ReconnectDelay);
        Assert.Equal(TimeSpan.Zero, leg.FastIoFailTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), leg.KeepAliveTimeout);
        Assert.Contains(FabricsOption.FastIoFailTimeout, leg.UsedOptions);

        var never = new ControllerTimeouts { FastIoFailTimeout = Timeout.InfiniteTimeSpan }.ApplyTo(plain);
        Assert.DoesNotContain(FabricsOption.FastIoFailTimeout, never.UsedOptions);
        Assert.Equal(plain.ToString(), ControllerTimeouts.OsBrick.ApplyTo(plain).ToString());
    }
}
