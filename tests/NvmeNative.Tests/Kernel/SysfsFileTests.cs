using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Tests.Kernel;

/// <summary>Attribute reads on regular files standing in for sysfs attributes (no privilege or modules needed).</summary>
public sealed class SysfsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-sysfsfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Content_is_compares_the_value_without_its_trailing_newline_as_read_does()
    {
        string nqn = Attribute("subsysnqn", "nqn.2014-08.org.example:volume-1\n");
        Assert.True(SysfsFile.ContentIs(nqn, "nqn.2014-08.org.example:volume-1"u8));
        Assert.Equal("nqn.2014-08.org.example:volume-1", SysfsFile.Read(nqn));
        Assert.False(SysfsFile.ContentIs(nqn, "nqn.2014-08.org.example:volume-10"u8)); // a longer NQN is another NQN
        Assert.False(SysfsFile.ContentIs(nqn, "nqn.2014-08.org.example:volume-"u8)); // and so is a prefix
        Assert.False(SysfsFile.ContentIs(nqn, "NQN.2014-08.org.example:volume-1"u8)); // ordinal, as the kernel compares
        Assert.True(SysfsFile.ContentIs(Attribute("padded", "model  \n"), "model"u8)); // space-padded, as Attribute trims
        Assert.True(SysfsFile.ContentIs(Attribute("bare", "x"), "x"u8));
    }

    [Fact]
    public void Content_is_false_for_a_missing_attribute_and_throws_for_other_errors()
    {
        Assert.False(SysfsFile.ContentIs(Path.Combine(_dir, "gone"), "x"u8));
        Assert.False(SysfsFile.ContentIs(Path.Combine(Attribute("file", "x"), "below"), "x"u8)); // ENOTDIR: a vanished directory
        var directory = Assert.Throws<NvmeNativeException>(() => SysfsFile.ContentIs(_dir, "x"u8));
        Assert.Equal(Errno.EISDIR, directory.Errno);
    }

    private string Attribute(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
