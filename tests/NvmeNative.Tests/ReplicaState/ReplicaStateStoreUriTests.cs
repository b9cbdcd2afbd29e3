using NvmeNative.Errors;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;

namespace NvmeNative.Tests.ReplicaStateTests;

public sealed class ReplicaStateStoreUriTests
{
    [Theory]
    [InlineData("file:/var/lib/nvmenative/replicas", "/var/lib/nvmenative/replicas")]
    [InlineData("file:///srv/state", "/srv/state")]
    public void File_uris_name_an_absolute_directory(string text, string dir)
    {
        var uri = ReplicaStateStoreUri.Parse(text);

        Assert.Equal(ReplicaStateStoreKind.File, uri.Kind);
        Assert.Equal(dir, uri.Directory);
        Assert.Equal("file:" + dir, uri.CreateFileStore().Description);
        Assert.Equal("file:" + dir, ReplicaStateStores.Create(text).Description);
    }

    [Fact]
    public void The_default_is_the_file_store_under_var_lib()
    {
        Assert.Equal("/var/lib/nvmenative/replicas", ReplicaStateStoreUri.Parse(ReplicaStateStoreUri.Default).Directory);
    }

    [Fact]
    public void Etcd_uris_name_endpoints_and_a_prefix()
    {
        var uri = ReplicaStateStoreUri.Parse("etcd:http://127.0.0.1:2379,http://10.0.0.2:2379?prefix=/cluster/a/");

        Assert.Equal(ReplicaStateStoreKind.Etcd, uri.Kind);
        Assert.Equal(["http://127.0.0.1:2379/", "http://10.0.0.2:2379/"], uri.EtcdEndpoints.Select(e => e.ToString()));
        Assert.Equal("/cluster/a", uri.EtcdPrefix);
        Assert.Throws<InvalidOperationException>(() => uri.CreateFileStore());
        using var store = (EtcdReplicaStateStore)ReplicaStateStores.Create(uri);
        Assert.Equal("etcd:http://127.0.0.1:2379,http://10.0.0.2:2379?prefix=/cluster/a", store.Description);
        Assert.Equal("/nvmenative", ReplicaStateStoreUri.Parse("etcd:http://h:1").EtcdPrefix);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/var/lib/x")]
    [InlineData("file:relative")]
    [InlineData("etcd:")]
    [InlineData("etcd:ftp://h:1")]
    [InlineData("etcd:http://h:1/v3")]
    [InlineData("etcd:http://h:1?prefix=noslash")]
    [InlineData("etcd:http://h:1?user=x")]
    [InlineData("consul:http://h:1")]
    public void Malformed_uris_are_invalid_input(string text)
    {
        Assert.Throws<InvalidInputException>(() => ReplicaStateStoreUri.Parse(text));
    }

    [Fact]
    public void Credentials_are_refused_and_never_echoed()
    {
        var e = Assert.Throws<InvalidInputException>(() => ReplicaStateStoreUri.Parse("etcd:http://root:s3cret@h:2379"));
        Assert.DoesNotContain("s3cret", e.Message);
    }
}
