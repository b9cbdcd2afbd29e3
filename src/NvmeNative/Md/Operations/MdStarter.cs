using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>Starts an array whose members are bound: RUN_ARRAY then RESTART_ARRAY_RW (mdadm), or array_state=readonly (mdadm -o).</summary>
internal static class MdStarter
{
    internal static void Start(MdPaths paths, MdControl control, bool readOnly, string operation)
    {
        if (readOnly)
        {
            string path = paths.Attribute(control.Device, "array_state");
            try
            {
                SysfsFile.Write(path, "readonly");
            }
            catch (NvmeNativeException e) when (e is not MdException)
            {
                throw new MdException("starting read-only failed", $"write {path}", control.Node, errno: e.ErrnoValue, innerException: e);
            }
            return;
        }
        control.RunArray();
        control.RestartArrayRw();
    }
}
