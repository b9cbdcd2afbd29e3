using System.Reflection;
using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Tests.InteropTests;

/// <summary>
/// Every interop struct, field, constant and ioctl code is checked against the real C headers
/// (glibc + linux-libc-dev) by compiling generated _Static_asserts with gcc.
/// </summary>
public sealed class NativeHeaderTests
{
    private static readonly string CommittedPath = Path.Combine(RepoPaths.NativeHeaders, "layout_check.c");

    [Fact]
    public void Generated_check_is_the_committed_one()
    {
        string generated = NativeLayoutGenerator.Generate();
        if (Environment.GetEnvironmentVariable("NVMENATIVE_REGEN") == "1")
            File.WriteAllText(CommittedPath, generated);
        Assert.True(File.Exists(CommittedPath), $"{CommittedPath} is missing: run ./build.sh regen-headers");
        // The committed file is what reviewers read; a declaration change must show up in it.
        Assert.Equal(File.ReadAllText(CommittedPath), generated);
    }

    [Fact]
    public void Declarations_match_the_installed_kernel_headers()
    {
        RequireGcc();
        var (exit, errors) = Gcc.SyntaxCheck(NativeLayoutGenerator.Generate());
        Assert.True(exit == 0, "gcc rejected the generated layout check:\n" + errors);
    }

    [Theory]
    [InlineData("_Static_assert(offsetof(mdu_array_info_t, level) == 16,", "_Static_assert(offsetof(mdu_array_info_t, level) == 20,", "offsetof mdu_array_info_t.level")]
    [InlineData("_Static_assert(offsetof(struct mdp_superblock_1, sb_csum) == 216,", "_Static_assert(offsetof(struct mdp_superblock_1, sb_csum) == 212,", "offsetof struct mdp_superblock_1.sb_csum")]
    [InlineData("_Static_assert(sizeof(struct nvme_passthru_cmd) == 72,", "_Static_assert(sizeof(struct nvme_passthru_cmd) == 64,", "sizeof struct nvme_passthru_cmd")]
    [InlineData("_Static_assert((MD_SB_MAGIC) == (0xa92b4efcu),", "_Static_assert((MD_SB_MAGIC) == (0xa92b4efdu),", "MD_SB_MAGIC")]
    [InlineData("_Static_assert((unsigned long)(GET_ARRAY_INFO) == 0x80480911UL,", "_Static_assert((unsigned long)(GET_ARRAY_INFO) == 0x80440911UL,", "GET_ARRAY_INFO")]
    [InlineData("_Static_assert(MEMBER_SIGNED(mdu_disk_info_t, raid_disk) == 1,", "_Static_assert(MEMBER_SIGNED(mdu_disk_info_t, raid_disk) == 0,", "signedness of mdu_disk_info_t.raid_disk")]
    public void A_deliberately_wrong_declaration_fails_the_check(string correct, string wrong, string reported)
    {
        RequireGcc();
        string generated = NativeLayoutGenerator.Generate();
        Assert.Contains(correct, generated); // the mutation must hit a real line, or this test proves nothing
        var (exit, errors) = Gcc.SyntaxCheck(generated.Replace(correct, wrong, StringComparison.Ordinal));
        Assert.NotEqual(0, exit);
        Assert.Contains(reported, errors);
    }

    [Fact]
    public void Every_interop_type_mirrors_a_header_or_says_why_not()
    {
        // Libc holds the functions and Libraries the library name; every other nested type is a mirror.
        var unchecked_ = typeof(NvmeNativeException).Assembly.GetTypes()
            .Where(t => t.DeclaringType is not null && IsInsideInterop(t) && t.Name is not ("Libc" or "Libraries"))
            .Where(t => !t.IsDefined(typeof(CHeaderAttribute)) && !t.IsDefined(typeof(NotInHeadersAttribute))
                        && !(t.DeclaringType!.IsDefined(typeof(CHeaderAttribute)) && t.IsValueType))
            .Where(t => !t.Name.Contains('<')) // compiler-generated fixed-buffer types
            .Select(t => t.FullName).ToList();
        Assert.Empty(unchecked_);
    }

    [Fact]
    public void Every_struct_in_a_native_signature_is_checked()
    {
        var signatureStructs = typeof(Interop.Libc).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly)
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Select(t => t.IsPointer || t.IsByRef ? t.GetElementType()! : t)
            .Where(t => t.IsValueType && !t.IsPrimitive && t != typeof(void))
            .Distinct().ToList();
        Assert.NotEmpty(signatureStructs);
        var mirrored = NativeLayoutGenerator.MirroredTypes().SelectMany(NativeLayoutGenerator.Structs).ToHashSet();
        Assert.All(signatureStructs, s => Assert.Contains(s, mirrored));
    }

    [Fact]
    public void Every_constant_and_named_field_appears_in_the_generated_check()
    {
        string generated = NativeLayoutGenerator.Generate();
        int checkedItems = 0;
        foreach (var type in NativeLayoutGenerator.MirroredTypes())
        {
            foreach (var f in NativeLayoutGenerator.Constants(type).Where(f => !f.IsDefined(typeof(NotInHeadersAttribute))))
            {
                Assert.Contains($"\"{f.Name}\");", generated);
                checkedItems++;
            }
            foreach (var s in NativeLayoutGenerator.Structs(type))
            {
                string cName = NativeLayoutGenerator.CName(s);
                Assert.Contains($"\"sizeof {cName}\");", generated);
                foreach (var f in NativeLayoutGenerator.NamedFields(s))
                {
                    Assert.Contains($"\"offsetof {cName}.{f.Name}\");", generated);
                    checkedItems++;
                }
            }
            if (type.IsEnum)
                foreach (var name in Enum.GetNames(type))
                {
                    Assert.Contains($"\"{name}\");", generated);
                    checkedItems++;
                }
        }
        Assert.True(checkedItems > 150, $"only {checkedItems} items checked: the generator lost track of something");
    }

    private static bool IsInsideInterop(Type t) => t.Namespace == "NvmeNative.Interop";

    private static void RequireGcc()
    {
        // build.sh installs gcc; this skip is only for someone running the tests on a machine without it.
        if (Gcc.Path is null)
            Assert.Skip("gcc is not installed: the header check cannot compile (apt-get install gcc linux-libc-dev)");
    }
}
