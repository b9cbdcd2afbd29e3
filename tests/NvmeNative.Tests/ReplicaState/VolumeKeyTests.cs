using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.ReplicaStateTests;

public sealed class VolumeKeyTests
{
    [Fact]
    public void The_key_does_not_depend_on_the_replica_order()
    {
        var a = VolumeKey.Create("vol1", [Id(0), Id(1), Id(2)]);
        var b = VolumeKey.Create("vol1", [Id(2), Id(0), Id(1)]);

        Assert.Equal(a.Value, b.Value);
        Assert.Equal(a, b);
    }

    [Fact]
    public void The_hash_is_the_sha256_of_the_canonical_text_as_earlier_versions_computed_it()
    {
        // Records on disk and in etcd are named by this value: it must not change from one version to the next.
        var key = VolumeKey.Create("vol1", [Id(1), Id(0)]);
        string canonical = $"nvmenative-replicated-volume-v1\nalias vol1\nreplica {Id(0).Canonical}\nreplica {Id(1).Canonical}\n";
        string bcl = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));

        Assert.Equal("vol1." + bcl, key.Value);
    }

    [Fact]
    public void Alias_and_every_replica_change_the_key()
    {
        var key = VolumeKey.Create("vol1", [Id(0), Id(1)]).Value;

        Assert.NotEqual(key, VolumeKey.Create("vol2", [Id(0), Id(1)]).Value);
        Assert.NotEqual(key, VolumeKey.Create("vol1", [Id(0), Id(2)]).Value);
        Assert.NotEqual(key, VolumeKey.Create("vol1", [Id(0)]).Value);
    }

    [Fact]
    public void The_value_is_a_safe_file_name_and_etcd_key_part()
    {
        var key = VolumeKey.Create("../etc/..passwd x", [Id(0)]);

        Assert.Matches("^[A-Za-z0-9_-]+\\.[0-9a-f]{64}$", key.Value);
        Assert.StartsWith("___etc___passwd_x.", key.Value);
        Assert.StartsWith("volume.", VolumeKey.Create(null, [Id(0)]).Value);
    }

    [Fact]
    public void A_replica_listed_twice_or_none_is_invalid()
    {
        Assert.Throws<InvalidInputException>(() => VolumeKey.Create("v", [Id(0), Id(0)]));
        Assert.Throws<InvalidInputException>(() => VolumeKey.Create("v", []));
    }

    [Fact]
    public void The_identity_is_canonical_and_uses_the_strongest_identifier()
    {
        var nqn = Nqn.Parse("nqn.2014-08.org.example:r");
        var uuid = NvmeUuid.Parse("C20ABA216EF6446BB37445733B4883BA");
        var byUuid = ReplicaIdentity.From(nqn, uuid, Nguid.Parse("00112233-4455-6677-8899-aabbccddeeff"), new NamespaceId(3));

        Assert.Equal("uuid:c20aba21-6ef6-446b-b374-45733b4883ba", byUuid.Namespace);
        Assert.Equal(byUuid, new ReplicaIdentity("nqn.2014-08.org.example:r", "uuid:C20ABA21-6EF6-446B-B374-45733B4883BA"));
        Assert.Equal("nguid:00112233-4455-6677-8899-aabbccddeeff", ReplicaIdentity.From(nqn, null, Nguid.Parse("00112233445566778899aabbccddeeff"), null).Namespace);
        Assert.Equal("nsid:3", ReplicaIdentity.From(nqn, null, null, new NamespaceId(3)).Namespace);
        Assert.Throws<InvalidInputException>(() => ReplicaIdentity.From(nqn, null, null, null));
        Assert.Throws<InvalidInputException>(() => new ReplicaIdentity("nqn.x", "uuid:nope"));
        Assert.Throws<InvalidInputException>(() => new ReplicaIdentity("", "nsid:1"));
    }
}
